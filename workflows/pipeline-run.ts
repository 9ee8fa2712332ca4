import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  sleep,
} from '@temporalio/workflow';
import {
  RUN_LEVEL_ITEM,
  workflowIds,
  type ItemRunResult,
  type PipelineRunInput,
  type PipelineRunProgress,
  type PipelineRunResult,
  type RunPlan,
  type StepOutput,
} from '../common/run-contract';
import { raiseAlerts, watchDeadline } from './alerts';
import { bookkeeping } from './bookkeeping';
import { itemRun } from './item-run';
import { failureMessage, runStepGraph } from './step-graph';

const KEY_PAGE = 500;

/**
 * A pipeline run: run-level "before" steps, then one child workflow per item with at most maxInFlight at once
 * (and the run-level "alongside" steps meanwhile), then run-level "after" steps. Continues as new every
 * plan.itemsPerExecution items to bound its history.
 */
export async function pipelineRun({ plan, progress, resume = false }: PipelineRunInput): Promise<PipelineRunResult> {
  const p: PipelineRunProgress = progress ?? {
    nextOrdinal: 0,
    itemsTotal: 0,
    succeeded: 0,
    failed: 0,
    prepared: false,
  };
  p.startedAt ??= Date.now();
  const deadline = resume ? undefined : watchDeadline(plan, p.startedAt);
  try {
    let itemsFromStep = false;
    if (!progress) ({ itemsTotal: p.itemsTotal, itemsFromStep } = await bookkeeping.startRun(plan.runId, resume));
    if (plan.cell) {
      // a cell run: its inputs come stored from an earlier run; no run-level step runs
      p.prepared = p.alongsideDone = true;
      p.runOutputs = plan.cell.inputs;
    }
    if (!p.prepared) {
      p.runOutputs = await runLevel(plan, 'before', resume);
      // items written by a "before" step are known only now
      if (itemsFromStep) p.itemsTotal = (await bookkeeping.storeStepItems(plan.runId)).itemsTotal;
      p.prepared = true;
    }
    // alongside steps (a crawl feeding the items) run while the items do
    const alongside = p.alongsideDone ? Promise.resolve() : runLevel(plan, 'alongside', resume, p.runOutputs);
    alongside.catch(() => undefined);
    const more = await fanOut(plan, p, resume);
    await alongside;
    p.alongsideDone = true;
    if (more) {
      deadline?.cancel();
      await continueAsNew<typeof pipelineRun>({ plan, progress: p, resume });
    }
    const rounds = p.autoRetries ?? 0;
    if (p.failed > 0 && plan.retryFailedItems && rounds < plan.retryFailedItems.times) {
      // the pipeline's retry policy: exactly the failed items again, each from the step it failed at
      await sleep(plan.retryFailedItems.delayMs);
      const itemsTotal = await bookkeeping.requeueFailedItems(plan.runId);
      const next: PipelineRunProgress = {
        nextOrdinal: 0,
        itemsTotal,
        succeeded: 0,
        failed: 0,
        prepared: true,
        alongsideDone: true,
        startedAt: p.startedAt,
        runOutputs: p.runOutputs,
        autoRetries: rounds + 1,
      };
      deadline?.cancel();
      await continueAsNew<typeof pipelineRun>({ plan, progress: next, resume: true });
    }
    if (!plan.cell) await runLevel(plan, 'after', false, p.runOutputs);
    const recorded = await bookkeeping.finishRun(plan.runId, {
      status: 'completed',
      itemsTotal: p.itemsTotal,
      succeeded: p.succeeded,
      failed: p.failed,
    });
    deadline?.cancel();
    await raiseAlerts(plan, recorded.status === 'succeeded' ? 'success' : 'failure');
    return recorded as PipelineRunResult;
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
    deadline?.cancel();
    if (!cancelled) await raiseAlerts(plan, 'failure');
    throw err;
  }
}

function isContinueAsNew(err: unknown): boolean {
  return err instanceof Error && err.name === 'ContinueAsNew';
}

/** Runs the run-level steps of a scope; returns their outputs with those of earlier scopes. */
async function runLevel(
  plan: RunPlan,
  scope: 'before' | 'alongside' | 'after',
  resume: boolean,
  earlier: Record<string, StepOutput> = {},
): Promise<Record<string, StepOutput>> {
  const steps = plan.steps.filter((s) => s.scope === scope);
  if (steps.length === 0) return earlier;
  const history = resume ? await bookkeeping.stepHistory(plan.runId, RUN_LEVEL_ITEM) : undefined;
  const outcome = await runStepGraph(plan, RUN_LEVEL_ITEM, steps, { history, inherited: earlier });
  if (outcome.status === 'failed')
    throw ApplicationFailure.nonRetryable(
      `run-level step ${outcome.failedStep} failed: ${outcome.error}`,
      'RunLevelStepFailed',
    );
  return { ...earlier, ...outcome.outputs };
}

/** Starts this execution's share of the items; true when items remain for a next execution. */
async function fanOut(plan: RunPlan, p: PipelineRunProgress, resume: boolean): Promise<boolean> {
  let running = 0;
  let started = 0;
  let keys: string[] = [];
  let exhausted = false;
  // a cancellation reaching an item surfaces here instead of as an unhandled rejection
  let interrupted: unknown;
  while (started < plan.itemsPerExecution && interrupted === undefined) {
    if (keys.length === 0) {
      const page = await bookkeeping.listItemKeys(
        plan.runId,
        p.nextOrdinal,
        Math.min(KEY_PAGE, plan.itemsPerExecution - started),
        resume,
      );
      if (page.keys.length === 0) {
        exhausted = true;
        break;
      }
      keys = page.keys;
      p.nextOrdinal = page.nextOrdinal;
    }
    const key = keys.shift()!;
    started++;
    running++;
    runItem(plan, p, key, resume).then(
      (r) => {
        if (r.status === 'succeeded') p.succeeded++;
        else if (r.status === 'failed') p.failed++;
        running--;
      },
      (err: unknown) => {
        interrupted ??= err;
        running--;
      },
    );
    await condition(() => running < plan.maxInFlight || interrupted !== undefined);
  }
  await condition(() => running === 0 || interrupted !== undefined);
  if (interrupted !== undefined) throw interrupted;
  // keys fetched but not started: the next execution starts again from the first of them
  if (keys.length > 0) {
    p.nextOrdinal = await bookkeeping.ordinalOf(plan.runId, keys[0]!);
    return true;
  }
  return !exhausted;
}

async function runItem(
  plan: RunPlan,
  p: PipelineRunProgress,
  itemKey: string,
  resume: boolean,
): Promise<ItemRunResult> {
  try {
    return await executeChild(itemRun, {
      workflowId: workflowIds.item(plan.runId, itemKey),
      taskQueue: plan.taskQueues.cpu,
      args: [{ plan, itemKey, resume, runOutputs: p.runOutputs }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
  } catch (err) {
    if (isCancellation(err) && !(err instanceof ChildWorkflowFailure)) throw err;
    return { itemKey, status: 'failed', error: failureMessage(err) };
  }
}
