// What every way of starting or retrying a run shares: a pipeline that may run, the plan its workflow gets, the
// pipelineRun workflow started (the run marked failed when Temporal refuses), and the one rule of which items a
// retry runs again. Triggered runs, cell runs, manual retries and the workflow's automatic rounds all come here.
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ResolvedModel } from '~/common/model-ref';
import { pipelineSpecSchema, runnableSteps, type PipelineSpec } from '~/common/pipeline-spec';
import { INLINE_PARAMS_BYTES, WORKFLOW_TYPES, type PipelineRunInput, type RunPlan } from '~/common/run-contract';
import { RETRYABLE_ITEM_STATUSES, type ItemStatus } from '~/common/statuses';
import type { Db, Prisma } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { AppError } from '~/server/errors';

export interface RunServiceDeps {
  db: Db;
  temporal: () => Promise<Client>;
  config: Pick<AppConfig, 'taskQueues' | 'itemsPerExecution' | 'stepSharedDirs'>;
}

/** The pipeline and its latest version, when it may run: it exists, is not deleted, and is enabled. */
export async function runnablePipeline(db: Db, slug: string, action: 'start runs' | 'run cells') {
  const pipeline = await db.pipeline.findUnique({ where: { slug } });
  if (!pipeline || pipeline.latestVersion === 0 || pipeline.deletedAt) throw AppError.notFound(`pipeline "${slug}"`);
  if (pipeline.disabledAt) throw new AppError('CONFLICT', `pipeline "${slug}" is disabled; enable it to ${action}`);
  const version = await db.pipelineVersion.findUniqueOrThrow({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: pipeline.latestVersion } },
  });
  return { pipeline, version, spec: pipelineSpecSchema.parse(version.spec) };
}

export function planFor(
  run: { id: string; params: unknown; models: unknown },
  spec: PipelineSpec,
  version: number,
  config: RunServiceDeps['config'],
  maxInFlight?: number,
): RunPlan {
  const all = run.params as Record<string, unknown>;
  // the item list travels through the database (ItemRun rows), not through every workflow's input
  const params = spec.items.source === 'param' ? omit(all, spec.items.param) : all;
  // so do params too large for Temporal's payloads: the worker reads them from the run
  const byReference = Buffer.byteLength(JSON.stringify(params)) > INLINE_PARAMS_BYTES;
  return {
    runId: run.id,
    pipelineSlug: spec.slug,
    pipelineVersion: version,
    params: byReference ? {} : params,
    ...(byReference ? { paramsByReference: true } : {}),
    steps: runnableSteps(spec.steps),
    ...(spec.python?.requirements.length ? { python: spec.python } : {}),
    models: run.models as Record<string, ResolvedModel>,
    maxInFlight: maxInFlight ?? spec.maxInFlight,
    alerts: spec.alerts,
    deadlineMs: spec.deadlineMs,
    retryFailedItems: spec.retryFailedItems,
    taskQueues: config.taskQueues,
    itemsPerExecution: config.itemsPerExecution,
  };
}

/**
 * Starts a run's pipelineRun workflow. When Temporal refuses it, `refused` undoes what the caller recorded (by
 * default the new run's row goes: a refused trigger leaves nothing behind) and the caller gets AppError UNAVAILABLE,
 * the cause attached.
 */
export async function startPipelineRun(
  deps: RunServiceDeps,
  start: { workflowId: string; input: PipelineRunInput; what: 'run' | 'cell' | 'retry' },
  refused: (reason: string) => Promise<void> = () => forgetRun(deps.db, start.input.plan.runId),
): Promise<void> {
  try {
    await (await deps.temporal()).workflow.start(WORKFLOW_TYPES.pipelineRun, {
      workflowId: start.workflowId,
      taskQueue: deps.config.taskQueues.cpu,
      args: [start.input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    await refused(`could not start on Temporal: ${(err as Error).message}`);
    throw new AppError('UNAVAILABLE', `The ${start.what} could not be started: Temporal is unreachable`, [], {
      cause: err,
    });
  }
}

/** A run that never started: its row (and its items) go. */
async function forgetRun(db: Db, runId: string): Promise<void> {
  await db.run.deleteMany({ where: { id: runId } });
}

/** The items a retry runs again (all of the run's, or the one named): see RETRYABLE_ITEM_STATUSES. */
export function retryableItems(runId: string, onlyItem?: string): Prisma.ItemRunWhereInput {
  return { runId, status: { in: [...RETRYABLE_ITEM_STATUSES] }, ...(onlyItem !== undefined ? { key: onlyItem } : {}) };
}

/** Requeued items by the status they had, e.g. { failed: ['dong-3'], cancelled: ['dong-7'] }. */
export type RequeuedItems = Partial<Record<ItemStatus, string[]>>;

/**
 * The one requeue rule, for a manual retry and for the pipeline's automatic rounds alike: the retryable items
 * become pending again, each to resume from the step it stopped at. Returns them by the status they had.
 */
export async function requeueRetryableItems(
  tx: Prisma.TransactionClient,
  runId: string,
  onlyItem?: string,
): Promise<{ count: number; previous: RequeuedItems }> {
  const where = retryableItems(runId, onlyItem);
  const previous: RequeuedItems = {};
  for (const item of await tx.itemRun.findMany({ where, select: { key: true, status: true } })) {
    const keys = previous[item.status] ?? [];
    keys.push(item.key);
    previous[item.status] = keys;
  }
  const { count } = await tx.itemRun.updateMany({ where, data: { status: 'pending', error: null, endedAt: null } });
  return { count, previous };
}

/** Puts requeued items back as they were (a retry Temporal refused): `previous` lists each status's item keys. */
export async function restoreRequeuedItems(db: Db, runId: string, previous: RequeuedItems): Promise<void> {
  for (const [status, keys] of Object.entries(previous)) {
    // keys as one array parameter: a retry of thousands of items stays one statement
    await db.$executeRaw`
      UPDATE "ItemRun" SET status = ${status}::"ItemStatus"
      WHERE "runId" = ${runId} AND status = ${'pending' satisfies ItemStatus}::"ItemStatus" AND key = ANY(${keys})`;
  }
}

function omit<T extends Record<string, unknown>>(obj: T, key: string): Record<string, unknown> {
  const { [key]: _omitted, ...rest } = obj;
  return rest;
}
