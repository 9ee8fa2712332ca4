// Activity signatures the workflows call (imported by workflows as types only).
import type { ItemRunResult, PipelineRunResult, RunPlan, StepRequest, StepResult } from '../../common/run-contract';

export interface StepActivities {
  runStep(request: StepRequest): Promise<StepResult>;
}

export type RunFinish = Omit<PipelineRunResult, 'status'> & { status: PipelineRunResult['status'] | 'cancelled'; error?: string };

export interface BookkeepingActivities {
  /** Resolves and stores the run's items; marks the run running. */
  startRun(runId: string): Promise<{ itemsTotal: number }>;
  listItemKeys(runId: string, fromOrdinal: number, limit: number): Promise<string[]>;
  finishItem(runId: string, result: ItemRunResult): Promise<void>;
  finishRun(runId: string, finish: RunFinish): Promise<void>;
}

export interface ScheduleActivities {
  /** Records the run a schedule fired (idempotent for one runId) and returns its plan. */
  prepareScheduledRun(input: { scheduleId: string; runId: string; scheduledFor: string }): Promise<RunPlan>;
}
