// Operating a run: cancel it, or retry exactly its failed (and cancelled) items from the step each stopped at.
import { WorkflowNotFoundError } from '@temporalio/client';
import { pipelineSpecSchema } from '~/common/pipeline-spec';
import { ITEM_READY_SIGNAL, workflowIds } from '~/common/run-contract';
import { isActiveRun, isRetryableItem, RETRYABLE_ITEM_STATUSES } from '~/common/statuses';
import { AppError } from '~/server/errors';
import {
  planFor,
  requeueRetryableItems,
  restoreRequeuedItems,
  startPipelineRun,
  type RunServiceDeps,
} from './run-lifecycle';

async function runById(deps: RunServiceDeps, runId: string) {
  const run = await deps.db.run.findUnique({ where: { id: runId }, include: { pipelineVersion: true } });
  if (!run) throw AppError.notFound(`run ${runId}`);
  return run;
}

/** Asks Temporal to cancel the run: its items stop, their running commands are killed, the run ends cancelled. */
export async function cancelRun(deps: RunServiceDeps, runId: string): Promise<void> {
  const run = await runById(deps, runId);
  if (!isActiveRun(run.status))
    throw new AppError('CONFLICT', `run ${runId} is ${run.status}; only a queued or running run can be cancelled`);
  const client = await deps.temporal();
  // the latest execution of the run (a retry runs under its own workflow id)
  const ids = [run.retryWorkflowId, run.workflowId].filter((id): id is string => !!id);
  for (const id of ids) {
    try {
      await client.workflow.getHandle(id).cancel();
      return;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  throw new AppError('CONFLICT', `run ${runId} has no workflow to cancel`);
}

/**
 * Re-executes exactly the failed and cancelled items of a finished run (or the one named), each from the step it
 * stopped at, reusing the stored outputs of its steps that succeeded; succeeded items are not touched.
 */
export async function retryFailedItems(
  deps: RunServiceDeps,
  runId: string,
  onlyItem?: string,
): Promise<{ items: number; workflowId: string }> {
  const run = await runById(deps, runId);
  if (isActiveRun(run.status)) throw new AppError('CONFLICT', `run ${runId} is still ${run.status}`);
  // a cell run is one cell on one item (maybe a draft's): it is run again from its cell, with the code there now
  if (run.trigger === 'dev')
    throw new AppError('CONFLICT', `run ${runId} is a cell run: run the cell again from the notebook instead`);
  if (onlyItem !== undefined) {
    const item = await deps.db.itemRun.findUnique({ where: { runId_key: { runId, key: onlyItem } } });
    if (!item) throw AppError.notFound(`item ${onlyItem} of run ${runId}`);
    if (!isRetryableItem(item.status))
      throw new AppError(
        'CONFLICT',
        `item ${onlyItem} is ${item.status}; only a ${RETRYABLE_ITEM_STATUSES.join(' or ')} item can be retried`,
      );
  }
  const {
    count: items,
    previous,
    workflowId,
  } = await deps.db.$transaction(async (tx) => {
    // one retry at a time: a second one waits here, then finds the run running (or its retry round taken)
    const [locked] = await tx.$queryRaw<{ status: string; retries: number }[]>`
      SELECT status::text AS status, retries FROM "Run" WHERE id = ${runId} FOR UPDATE`;
    if (!locked || locked.retries !== run.retries || isActiveRun(locked.status as typeof run.status))
      throw new AppError('CONFLICT', `run ${runId} is being retried already`);
    const round = run.retries + 1;
    const workflowId = `${workflowIds.run(runId)}-retry-${round}`;
    const requeued = await requeueRetryableItems(tx, runId, onlyItem);
    if (requeued.count === 0) throw new AppError('CONFLICT', `run ${runId} has no failed items to retry`);
    await tx.run.update({
      where: { id: runId },
      data: { status: 'running', endedAt: null, error: null, retries: round, retryWorkflowId: workflowId },
    });
    return { ...requeued, workflowId };
  });
  const plan = planFor(
    run,
    pipelineSpecSchema.parse(run.pipelineVersion.spec),
    run.pipelineVersion.version,
    deps.config,
  );
  await startPipelineRun(deps, { workflowId, input: { plan, resume: true }, what: 'retry' }, async (reason) => {
    // the run is as it was before the retry, saying why the retry did not start...
    await deps.db.run.update({
      where: { id: runId },
      data: {
        status: run.status,
        endedAt: run.endedAt,
        retries: run.retries,
        retryWorkflowId: run.retryWorkflowId,
        error: `retry ${reason}`,
      },
    });
    // and its items are as they were
    await restoreRequeuedItems(deps.db, runId, previous);
  });
  return { items, workflowId };
}

/**
 * Tells a waiting item to check its sensor now (a producer calls this when, say, a dong's crawl file is written).
 * delivered is false when the item has not started yet: its first check will see the condition anyway.
 */
export async function signalItemReady(
  deps: RunServiceDeps,
  runId: string,
  itemKey: string,
): Promise<{ delivered: boolean }> {
  const item = await deps.db.itemRun.findUnique({ where: { runId_key: { runId, key: itemKey } } });
  if (!item) throw AppError.notFound(`item ${itemKey} of run ${runId}`);
  try {
    await (await deps.temporal()).workflow.getHandle(workflowIds.item(runId, itemKey)).signal(ITEM_READY_SIGNAL);
    return { delivered: true };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { delivered: false };
    throw err;
  }
}
