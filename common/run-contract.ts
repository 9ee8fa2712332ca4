// What the workflows receive and return. Pure types and constants: imported by workflows, workers and the server.
import type { ResolvedModel } from './model-ref';
import type { AlertSpec, PythonEnvironmentSpec, StepSpec } from './pipeline-spec';
import type { TaskQueues } from './queues';
import type { ItemOutcomeStatus, RunOutcomeStatus } from './statuses';

/** Sent to an item's workflow (by the API, the CLI, or a producer such as the crawler) to check its sensor now. */
export const ITEM_READY_SIGNAL = 'itemReady';

export const WORKFLOW_TYPES = { pipelineRun: 'pipelineRun', itemRun: 'itemRun', scheduledRun: 'scheduledRun' } as const;

/** Temporal workflow ids derived from business keys. */
export const workflowIds = {
  run: (runId: string) => `run-${runId}`,
  item: (runId: string, itemKey: string) => `run-${runId}-item-${itemKey}`,
};

export interface ScheduledRunInput {
  scheduleId: string;
}

/** Item key used for step runs of run-level (before/after) steps. */
export const RUN_LEVEL_ITEM = '';

/** Params larger than this (as JSON) stay in the run's row; the plan carries a reference to them. */
export const INLINE_PARAMS_BYTES = 64 * 1024;

export interface RunPlan {
  runId: string;
  pipelineSlug: string;
  pipelineVersion: number;
  params: Record<string, unknown>;
  /** The params are too large to travel in workflow payloads (Temporal's limit is 2 MB): `params` is empty and
   * the worker reads them from the run's row when a step needs them. */
  paramsByReference?: boolean;
  steps: StepSpec[];
  /** The pipeline's Python environment (its pinned requirements), for its code cells. */
  python?: PythonEnvironmentSpec;
  /** Model versions by step id, resolved when the run started: moving an alias later does not change them. */
  models: Record<string, ResolvedModel>;
  maxInFlight: number;
  alerts?: AlertSpec[];
  deadlineMs?: number;
  /** A cell run: only this item step, for the run's one item, fed the stored outputs of the steps it needs
   * (from an earlier run); no run-level steps, no alerts. */
  cell?: { stepId: string; inputs: Record<string, StepOutput>; runDirOf?: string };
  /** Automatic "retry failed items" rounds, and the wait before each. */
  retryFailedItems?: { times: number; delayMs: number };
  taskQueues: TaskQueues;
  /** Children started by one workflow execution before it continues as new (keeps history small). */
  itemsPerExecution: number;
}

export interface PipelineRunProgress {
  /** Items with an ordinal below this have been started. */
  nextOrdinal: number;
  /** Items this execution chain processes (all of them, or the failed ones when retrying). */
  itemsTotal: number;
  succeeded: number;
  failed: number;
  /** Run-level "before" steps are done. */
  prepared: boolean;
  /** Run-level "alongside" steps are done (set before continuing as new, which waits for them). */
  alongsideDone?: boolean;
  /** When the run's first execution started (workflow time), for its deadline across continue-as-new. */
  startedAt?: number;
  /** Outputs of the run-level "before" steps, passed to the items that need them. */
  runOutputs?: Record<string, StepOutput>;
  /** Automatic retry rounds done so far. */
  autoRetries?: number;
}

export interface PipelineRunInput {
  plan: RunPlan;
  progress?: PipelineRunProgress;
  /** Retrying a finished run: only its failed items, each from the step that failed; succeeded steps are kept. */
  resume?: boolean;
}

export interface PipelineRunResult {
  status: RunOutcomeStatus;
  itemsTotal: number;
  succeeded: number;
  failed: number;
}

export interface ItemRunInput {
  plan: RunPlan;
  itemKey: string;
  /** Skip the steps that already succeeded for this item (their outputs are kept). */
  resume?: boolean;
  /** Outputs of the run-level "before" steps. */
  runOutputs?: Record<string, StepOutput>;
}

/** What an earlier execution of a run left: steps that succeeded, and attempts made per step. */
export interface StepHistory {
  succeeded: string[];
  attempts: Record<string, number>;
  /** What the succeeded steps returned, reused by the steps that re-run. */
  outputs: Record<string, StepOutput>;
}

/**
 * The files one step attempt wrote, by reference: they live in the artifact store (listed in the database),
 * and the worker of a step that needs them checks this digest, then every file's checksum, before using them.
 */
export interface ArtifactSetRef {
  /** The run that produced them, when not the run that uses them (a cell run reuses an earlier run's files). */
  runId?: string;
  attempt: number;
  count: number;
  bytes: number;
  /** sha256 over the sorted "name, sha256, size" lines of the files */
  digest: string;
}

/** What a step hands the steps that need it: a small JSON result, and its files by reference. */
export interface StepOutput {
  result?: unknown;
  artifacts?: ArtifactSetRef;
}

export interface ItemRunResult {
  itemKey: string;
  status: ItemOutcomeStatus;
  failedStep?: string;
  error?: string;
}

/** The one activity that executes any step; bookkeeping happens inside it on the worker. */
export interface StepRequest {
  runId: string;
  pipelineSlug: string;
  itemKey: string;
  step: StepSpec;
  /** The steps this one needs, so the worker can find their outputs. */
  needs: Pick<StepSpec, 'id' | 'scope'>[];
  params: Record<string, unknown>;
  /** See RunPlan.paramsByReference: the worker reads `params` from the run. */
  paramsByReference?: boolean;
  /** This step's model and those of the steps it needs. */
  models: Record<string, ResolvedModel>;
  /** A cell run's {runDir} is this earlier run's shared folder (the run that fed it), shown read-only. */
  runDirOf?: string;
  /** A code cell's Python environment (RunPlan.python). */
  python?: PythonEnvironmentSpec;
  /** Attempts recorded by earlier executions of this step (a retried run continues their numbering). */
  previousAttempts?: number;
  /** Outputs of the steps this one needs (those that have any). */
  inputs?: Record<string, StepOutput>;
}

export interface SensorPoke {
  request: StepRequest;
  /** 1 for the first check */
  poke: number;
  /** Set on the last call after the timeout: how the wait ended. */
  timedOut?: 'fail' | 'skip';
}

export interface StepResult {
  stepId: string;
  durationMs: number;
  output: StepOutput;
}

export type AlertEvent = 'failure' | 'success' | 'deadline';

export interface AlertRequest {
  runId: string;
  event: AlertEvent;
  /** Index of the alert in the pipeline spec: one delivery record per run, event and receiver. */
  receiver: number;
  alert: AlertSpec;
}
