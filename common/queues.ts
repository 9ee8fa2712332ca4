// The logical queues a step can name. A deployment maps each to a Temporal task queue (see taskQueueNames).
export const QUEUES = ['cpu', 'gpu'] as const;
export type QueueName = (typeof QUEUES)[number];
export type TaskQueues = Record<QueueName, string>;

/** Task-queue names for a deployment: `BREWLINE_QUEUE_CPU` / `BREWLINE_QUEUE_GPU` override, a prefix isolates tests. */
export function taskQueueNames(overrides: Partial<TaskQueues> = {}, prefix = ''): TaskQueues {
  return {
    cpu: overrides.cpu ?? `${prefix}brewline-cpu`,
    gpu: overrides.gpu ?? `${prefix}brewline-gpu`,
  };
}
