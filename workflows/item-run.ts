import { ApplicationFailure, defineSignal, setHandler } from '@temporalio/workflow';
import { ITEM_READY_SIGNAL, type ItemRunInput, type ItemRunResult } from '../common/run-contract';
import { bookkeeping } from './bookkeeping';
import { runStepGraph } from './step-graph';

/** One item (a dong) through every per-item step of the pipeline. Fails, naming the step, when a step fails. */
export const itemReady = defineSignal(ITEM_READY_SIGNAL);

export async function itemRun({ plan, itemKey, resume, runOutputs }: ItemRunInput): Promise<ItemRunResult> {
  let ready = false;
  setHandler(itemReady, () => {
    ready = true;
  });
  const wake = {
    raised: () => ready,
    lower: () => {
      ready = false;
    },
  };
  const history = resume ? await bookkeeping.stepHistory(plan.runId, itemKey) : undefined;
  const { outputs: _outputs, ...outcome } = await runStepGraph(
    plan,
    itemKey,
    plan.steps.filter((s) => (plan.cell ? s.id === plan.cell.stepId : s.scope === 'item')),
    { history, wake, inherited: runOutputs },
  );
  const result: ItemRunResult = { itemKey, ...outcome };
  await bookkeeping.finishItem(plan.runId, result);
  if (result.status === 'failed') {
    throw ApplicationFailure.nonRetryable(
      `item ${itemKey} failed at step ${result.failedStep}: ${result.error}`,
      'ItemFailed',
      result,
    );
  }
  return result;
}
