// Starting runs: prepareRun records a run of a pipeline's latest version and builds its plan; triggerRun also
// starts its workflow on Temporal. Scheduled runs are prepared by an activity of the scheduledRun workflow.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { itemKeysProblems } from '~/common/item-key';
import { pipelineSpecSchema, resolveParams, type PipelineSpec } from '~/common/pipeline-spec';
import { WORKFLOW_TYPES, workflowIds, type PipelineRunInput, type RunPlan } from '~/common/run-contract';
import type { Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { AppError } from '~/server/errors';
import type { RunTrigger } from '~/server/generated/prisma/enums';
import { resolveModels } from '~/server/services/models/models';
import type { ResolvedModel } from '~/common/model-ref';

export interface RunServiceDeps {
  db: Db;
  temporal: () => Promise<Client>;
  config: Pick<AppConfig, 'taskQueues' | 'itemsPerExecution'>;
}

export interface TriggerRunInput {
  pipelineSlug: string;
  params?: Record<string, unknown>;
  trigger?: RunTrigger;
  /** Overrides the pipeline's maxInFlight for this run. */
  maxInFlight?: number;
  /** Given by callers that need an idempotent id (a scheduled run uses its workflow's run id). */
  runId?: string;
  scheduleId?: string;
  scheduledFor?: Date;
}

export function planFor(
  run: { id: string; params: unknown; models: unknown },
  spec: PipelineSpec,
  version: number,
  config: RunServiceDeps['config'],
  maxInFlight?: number,
): RunPlan {
  const params = run.params as Record<string, unknown>;
  return {
    runId: run.id,
    pipelineSlug: spec.slug,
    pipelineVersion: version,
    // the item list travels through the database (ItemRun rows), not through every workflow's input
    params: spec.items.source === 'param' ? omit(params, spec.items.param) : params,
    steps: spec.steps,
    models: run.models as Record<string, ResolvedModel>,
    maxInFlight: maxInFlight ?? spec.maxInFlight,
    alerts: spec.alerts,
    deadlineMs: spec.deadlineMs,
    retryFailedItems: spec.retryFailedItems,
    taskQueues: config.taskQueues,
    itemsPerExecution: config.itemsPerExecution,
  };
}

/** Validates params, records the run (queued) and returns its plan. With an existing runId, returns its plan. */
export async function prepareRun(
  deps: Pick<RunServiceDeps, 'db' | 'config'>,
  input: TriggerRunInput,
): Promise<RunPlan> {
  if (input.runId) {
    const existing = await deps.db.run.findUnique({ where: { id: input.runId }, include: { pipelineVersion: true } });
    if (existing)
      return planFor(
        existing,
        pipelineSpecSchema.parse(existing.pipelineVersion.spec),
        existing.pipelineVersion.version,
        deps.config,
        input.maxInFlight,
      );
  }
  const pipeline = await deps.db.pipeline.findUnique({ where: { slug: input.pipelineSlug } });
  if (!pipeline || pipeline.latestVersion === 0 || pipeline.deletedAt)
    throw AppError.notFound(`pipeline "${input.pipelineSlug}"`);
  if (pipeline.disabledAt)
    throw new AppError('CONFLICT', `pipeline "${input.pipelineSlug}" is disabled; enable it to start runs`);
  const version = await deps.db.pipelineVersion.findUniqueOrThrow({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: pipeline.latestVersion } },
  });
  const spec = pipelineSpecSchema.parse(version.spec);
  const { params, problems } = resolveParams(spec, input.params ?? {});
  if (spec.items.source === 'param' && problems.length === 0) {
    for (const message of itemKeysProblems(params[spec.items.param]).slice(0, 20))
      problems.push({ path: ['params', spec.items.param], message });
  }
  if (problems.length) throw AppError.badRequest('The run parameters are invalid', problems);
  // aliases resolve now; the run keeps these versions whatever happens to the aliases later
  const models = await resolveModels(deps.db, spec.steps);

  const runId = input.runId ?? randomUUID();
  const run = await deps.db.run.create({
    data: {
      id: runId,
      pipelineId: pipeline.id,
      pipelineVersionId: version.id,
      trigger: input.trigger ?? 'manual',
      params: params as object,
      models: models as object,
      workflowId: workflowIds.run(runId),
      scheduleId: input.scheduleId,
      scheduledFor: input.scheduledFor,
    },
  });
  return planFor(run, spec, version.version, deps.config, input.maxInFlight);
}

export async function triggerRun(
  deps: RunServiceDeps,
  input: TriggerRunInput,
): Promise<{ runId: string; workflowId: string }> {
  const plan = await prepareRun(deps, input);
  const workflowId = workflowIds.run(plan.runId);
  try {
    const client = await deps.temporal();
    await client.workflow.start(WORKFLOW_TYPES.pipelineRun, {
      workflowId,
      taskQueue: deps.config.taskQueues.cpu,
      args: [{ plan } satisfies PipelineRunInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    await deps.db.run.update({
      where: { id: plan.runId },
      data: { status: 'failed', endedAt: new Date(), error: `could not start on Temporal: ${(err as Error).message}` },
    });
    throw new AppError('UNAVAILABLE', 'The run could not be started: Temporal is unreachable', [], { cause: err });
  }
  return { runId: plan.runId, workflowId };
}

function omit<T extends Record<string, unknown>>(obj: T, key: string): Record<string, unknown> {
  const { [key]: _omitted, ...rest } = obj;
  return rest;
}
