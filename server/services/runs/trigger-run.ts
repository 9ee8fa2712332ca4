// Starting runs: prepareRun records a run of a pipeline's latest version and builds its plan; triggerRun also
// starts its workflow on Temporal. Scheduled runs are prepared by an activity of the scheduledRun workflow.
import { randomUUID } from 'node:crypto';
import { itemKeysProblems } from '~/common/item-key';
import { pipelineSpecSchema, resolveParams } from '~/common/pipeline-spec';
import { workflowIds, type RunPlan } from '~/common/run-contract';
import { AppError } from '~/server/errors';
import type { RunTrigger } from '~/server/generated/prisma/enums';
import { resolveModels } from '~/server/services/models/models';
import { planFor, runnablePipeline, startPipelineRun, type RunServiceDeps } from './run-lifecycle';

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
  const { pipeline, version, spec } = await runnablePipeline(deps.db, input.pipelineSlug, 'start runs');
  // path params may name files in the folders the admin shares with steps, besides relative paths
  const { params, problems } = resolveParams(spec, input.params ?? {}, { sharedDirs: deps.config.stepSharedDirs });
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
  await startPipelineRun(deps, { workflowId, input: { plan }, what: 'run' });
  return { runId: plan.runId, workflowId };
}
