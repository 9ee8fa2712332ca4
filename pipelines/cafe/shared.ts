// What the cafe pipelines share: how their steps call the step programs, and the dong list param.
export const STEPS_DIR = 'pipelines/cafe/steps';

/** argv for a step program of pipelines/cafe/steps. */
export const node = (script: string, ...args: string[]) => ['node', `${STEPS_DIR}/${script}`, ...args];

export const dongsFileParam = {
  type: 'string',
  path: true,
  default: 'pipelines/cafe/sample/dongs.json',
  description: 'JSON list of the dongs to process (a path inside the repository)',
} as const;

export const gpuRetry = { maxAttempts: 3, initialIntervalMs: 2_000, backoffCoefficient: 2, maxIntervalMs: 60_000 };
