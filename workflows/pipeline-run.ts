import {
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
} from '@temporalio/workflow';
import {
  RUN_LEVEL_ITEM,
  workflowIds,
  type ItemRunResult,
  type PipelineRunInput,
  type PipelineRunProgress,
  type PipelineRunResult,
  type RunOutcomeStatus,
  type RunPlan,
} from '../common/run-contract';
import { bookkeeping } from './bookkeeping';
import { itemRun } from './item-run';
import { failureMessage, runStepGraph } from './step-graph';

const KEY_PAGE = 500;

/**
 * A pipeline run: run-level "before" steps, then one child workflow per item with at most maxInFlight at once,
 * then run-level "after" steps. Continues as new every plan.itemsPerExecution items to bound its history.
 */
export async function pipelineRun({ plan, progress }: PipelineRunInput): Promise<PipelineRunResult> {
  const p: PipelineRunProgress = progress ?? { nextOrdinal: 0, itemsTotal: 0, succeeded: 0, failed: 0, prepared: false };
  try {
    if (!progress) p.itemsTotal = (await bookkeeping.startRun(plan.runId)).itemsTotal;
    if (!p.prepared) {
      await runLevel(plan, 'before');
      p.prepared = true;
    }
    await fanOut(plan, p);
    if (p.nextOrdinal < p.itemsTotal) await continueAsNew<typeof pipelineRun>({ plan, progress: p });
    await runLevel(plan, 'after');
    const result: PipelineRunResult = { status: outcomeOf(p), itemsTotal: p.itemsTotal, succeeded: p.succeeded, failed: p.failed };
    await bookkeeping.finishRun(plan.runId, { ...result });
    return result;
  } catch (err) {
    if (isContinueAsNew(err)) throw err;
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() =>
      bookkeeping.finishRun(plan.runId, {
        status: cancelled ? 'cancelled' : 'failed',
        itemsTotal: p.itemsTotal,
        succeeded: p.succeeded,
        failed: p.failed,
        error: cancelled ? 'cancelled' : failureMessage(err),
      }),
    );
    throw err;
  }
}

function isContinueAsNew(err: unknown): boolean {
  return err instanceof Error && err.name === 'ContinueAsNew';
}

async function runLevel(plan: RunPlan, scope: 'before' | 'after'): Promise<void> {
  const steps = plan.steps.filter((s) => s.scope === scope);
  if (steps.length === 0) return;
  const outcome = await runStepGraph(plan, RUN_LEVEL_ITEM, steps);
  if (outcome.status === 'failed') throw new Error(`run-level step ${outcome.failedStep} failed: ${outcome.error}`);
}

async function fanOut(plan: RunPlan, p: PipelineRunProgress): Promise<void> {
  let running = 0;
  let started = 0;
  let keys: string[] = [];
  // a cancellation reaching an item surfaces here instead of as an unhandled rejection
  let interrupted: unknown;
  const settled = () => running === 0 || interrupted !== undefined;
  while (p.nextOrdinal < p.itemsTotal && started < plan.itemsPerExecution && interrupted === undefined) {
    if (keys.length === 0) keys = await bookkeeping.listItemKeys(plan.runId, p.nextOrdinal, Math.min(KEY_PAGE, plan.itemsPerExecution - started));
    if (keys.length === 0) break;
    const key = keys.shift()!;
    p.nextOrdinal++;
    started++;
    running++;
    runItem(plan, key).then(
      (r) => {
        if (r.status === 'succeeded') p.succeeded++;
        else p.failed++;
        running--;
      },
      (err: unknown) => {
        interrupted ??= err;
        running--;
      },
    );
    await condition(() => running < plan.maxInFlight || interrupted !== undefined);
  }
  await condition(settled);
  if (interrupted !== undefined) throw interrupted;
}

async function runItem(plan: RunPlan, itemKey: string): Promise<ItemRunResult> {
  try {
    return await executeChild(itemRun, {
      workflowId: workflowIds.item(plan.runId, itemKey),
      taskQueue: plan.taskQueues.cpu,
      args: [{ plan, itemKey }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
  } catch (err) {
    if (isCancellation(err) && !(err instanceof ChildWorkflowFailure)) throw err;
    return { itemKey, status: 'failed', error: failureMessage(err) };
  }
}

function outcomeOf(p: PipelineRunProgress): RunOutcomeStatus {
  if (p.failed === 0) return 'succeeded';
  return p.succeeded === 0 ? 'failed' : 'partially_failed';
}
