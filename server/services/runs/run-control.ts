// Operating a run: cancel it, or retry exactly its failed items from the step each failed at.
import { WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { pipelineSpecSchema } from '~/common/pipeline-spec';
import { ITEM_READY_SIGNAL, WORKFLOW_TYPES, workflowIds, type PipelineRunInput } from '~/common/run-contract';
import { AppError } from '~/server/errors';
import { planFor, type RunServiceDeps } from './trigger-run';

const ACTIVE = ['queued', 'running'];

async function runById(deps: RunServiceDeps, runId: string) {
  const run = await deps.db.run.findUnique({ where: { id: runId }, include: { pipelineVersion: true } });
  if (!run) throw AppError.notFound(`run ${runId}`);
  return run;
}

/** Asks Temporal to cancel the run: its items stop, their running commands are killed, the run ends cancelled. */
export async function cancelRun(deps: RunServiceDeps, runId: string): Promise<void> {
  const run = await runById(deps, runId);
  if (!ACTIVE.includes(run.status))
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
 * Re-executes exactly the failed items of a finished run, each from the step that failed, reusing the stored
 * outputs of its steps that succeeded; succeeded items are not touched.
 */
export async function retryFailedItems(
  deps: RunServiceDeps,
  runId: string,
  onlyItem?: string,
): Promise<{ items: number; workflowId: string }> {
  const run = await runById(deps, runId);
  if (ACTIVE.includes(run.status)) throw new AppError('CONFLICT', `run ${runId} is still ${run.status}`);
  if (onlyItem !== undefined) {
    const item = await deps.db.itemRun.findUnique({ where: { runId_key: { runId, key: onlyItem } } });
    if (!item) throw AppError.notFound(`item ${onlyItem} of run ${runId}`);
    if (!['failed', 'cancelled'].includes(item.status))
      throw new AppError(
        'CONFLICT',
        `item ${onlyItem} is ${item.status}; only a failed or cancelled item can be retried`,
      );
  }
  const round = run.retries + 1;
  const workflowId = `${workflowIds.run(runId)}-retry-${round}`;
  const items = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.itemRun.updateMany({
      where: { runId, status: { in: ['failed', 'cancelled'] }, ...(onlyItem !== undefined ? { key: onlyItem } : {}) },
      data: { status: 'pending', error: null, endedAt: null },
    });
    if (count === 0) throw new AppError('CONFLICT', `run ${runId} has no failed items to retry`);
    await tx.run.update({
      where: { id: runId },
      data: { status: 'running', endedAt: null, error: null, retries: round, retryWorkflowId: workflowId },
    });
    return count;
  });
  const plan = planFor(
    run,
    pipelineSpecSchema.parse(run.pipelineVersion.spec),
    run.pipelineVersion.version,
    deps.config,
  );
  try {
    await (await deps.temporal()).workflow.start(WORKFLOW_TYPES.pipelineRun, {
      workflowId,
      taskQueue: deps.config.taskQueues.cpu,
      args: [{ plan, resume: true } satisfies PipelineRunInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    await deps.db.run.update({
      where: { id: runId },
      data: { status: run.status, endedAt: run.endedAt, error: `retry could not start: ${(err as Error).message}` },
    });
    await deps.db.itemRun.updateMany({ where: { runId, status: 'pending' }, data: { status: 'failed' } });
    throw new AppError('UNAVAILABLE', 'The retry could not be started: Temporal is unreachable', [], { cause: err });
  }
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
