// Activity signatures the workflows call (imported by workflows as types only).
import type { ItemRunResult, PipelineRunResult, StepRequest, StepResult } from '../../common/run-contract';

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
