import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { workflowIds, type PipelineRunResult, type ScheduledRunInput } from '../common/run-contract';
import type { ScheduleActivities } from '../workers/activities/contract';
import { pipelineRun } from './pipeline-run';

const { prepareScheduledRun } = proxyActivities<ScheduleActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10, nonRetryableErrorTypes: ['BadInput'] },
});

/**
 * What a Temporal Schedule starts: records a run of the pipeline's latest version and runs it as a child.
 * It lasts as long as the run, so the schedule's overlap policy sees the run as active.
 */
export async function scheduledRun({ scheduleId }: ScheduledRunInput): Promise<PipelineRunResult> {
  const info = workflowInfo();
  const slot = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  const scheduledFor =
    slot instanceof Date ? slot : typeof slot === 'string' ? new Date(slot) : new Date(info.startTime);
  // this workflow's run id doubles as the run's id: a replayed or retried activity finds the same run
  const plan = await prepareScheduledRun({ scheduleId, runId: info.runId, scheduledFor: scheduledFor.toISOString() });
  if (!plan) throw ApplicationFailure.nonRetryable(`schedule ${scheduleId} could not prepare a run`);
  return executeChild(pipelineRun, {
    workflowId: workflowIds.run(plan.runId),
    taskQueue: plan.taskQueues.cpu,
    args: [{ plan }],
  });
}
