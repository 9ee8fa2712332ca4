// Activity signatures the workflows call (imported by workflows as types only).
import type {
  AlertRequest,
  ItemRunResult,
  PipelineRunResult,
  RunPlan,
  SensorPoke,
  StepHistory,
  StepRequest,
  StepResult,
} from '../../common/run-contract';
import type { TerminalRunStatus } from '../../common/statuses';

export interface StepActivities {
  runStep(request: StepRequest): Promise<StepResult>;
  /** Checks a sensor's condition once and records the wait; true when it holds. */
  pokeSensor(poke: SensorPoke): Promise<boolean>;
}

/** completed: every item has finished, the outcome follows from all of the run's items (a retry's included). */
export type RunFinish = Omit<PipelineRunResult, 'status'> & {
  status: 'completed' | 'failed' | 'cancelled';
  error?: string;
};

export interface BookkeepingActivities {
  /** Resolves and stores the run's items; marks the run running. Resuming: counts the items to retry. */
  startRun(runId: string, resume?: boolean): Promise<{ itemsTotal: number; itemsFromStep: boolean }>;
  /** For items written by a "before" step: reads and stores them once that step has run. */
  storeStepItems(runId: string): Promise<{ itemsTotal: number }>;
  /** Items to start from an ordinal on (only pending ones when resuming), and the ordinal after the last. */
  listItemKeys(
    runId: string,
    fromOrdinal: number,
    limit: number,
    onlyPending?: boolean,
  ): Promise<{ keys: string[]; nextOrdinal: number }>;
  stepHistory(runId: string, itemKey: string): Promise<StepHistory>;
  /** Automatic retry: the retryable items become pending again, by the rule a manual retry follows (the run counts
   * one more retry); how many. */
  requeueFailedItems(runId: string): Promise<number>;
  ordinalOf(runId: string, itemKey: string): Promise<number>;
  finishItem(runId: string, result: ItemRunResult): Promise<void>;
  /** Records the outcome; counts come from the items. Returns what was recorded. */
  finishRun(
    runId: string,
    finish: RunFinish,
  ): Promise<Omit<PipelineRunResult, 'status'> & { status: TerminalRunStatus }>;
}

export interface ScheduleActivities {
  /** Records the run a schedule fired (idempotent for one runId) and returns its plan. */
  prepareScheduledRun(input: { scheduleId: string; runId: string; scheduledFor: string }): Promise<RunPlan>;
}

export interface AlertActivities {
  sendAlert(request: AlertRequest): Promise<void>;
}
