// Running one notebook cell on its own: one item step, for one item, fed the stored outputs of the steps it
// needs from an earlier run (the latest one that has them, or a chosen one). A small run of its own ("dev"), on
// the cell's queue, so the output appears under the cell without a whole pipeline run.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { itemKeyProblem } from '~/common/item-key';
import { resolveParams } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM, workflowIds, type StepOutput } from '~/common/run-contract';
import { storedOutputs } from '~/server/artifacts/outputs';
import { AppError } from '~/server/errors';
import { resolveModels } from '~/server/services/models/models';
import { planFor, runnablePipeline, startPipelineRun, type RunServiceDeps } from './run-lifecycle';

export const runCellInput = z.object({
  pipelineSlug: z.string().min(1).max(100),
  stepId: z.string().min(1).max(63),
  itemKey: z.string().min(1).max(128),
  /** The run whose stored outputs feed the cell; by default the latest run that has them for this item. */
  fromRunId: z.uuid().optional(),
});

export async function runCell(
  deps: RunServiceDeps,
  input: z.input<typeof runCellInput>,
): Promise<{ runId: string; fromRunId: string | null }> {
  const { pipelineSlug, stepId, itemKey, fromRunId } = runCellInput.parse(input);
  const keyProblem = itemKeyProblem(itemKey);
  if (keyProblem) throw AppError.badRequest('The item is invalid', [{ path: ['itemKey'], message: keyProblem }]);
  const { pipeline, version, spec } = await runnablePipeline(deps.db, pipelineSlug, 'run cells');
  const step = spec.steps.find((s) => s.id === stepId);
  if (!step)
    throw AppError.badRequest('The cell is invalid', [{ path: ['stepId'], message: `unknown step "${stepId}"` }]);
  if (step.scope !== 'item')
    throw AppError.badRequest('The cell is invalid', [
      {
        path: ['stepId'],
        message: `"${stepId}" is a run-level (${step.scope}) step; only item steps run on their own`,
      },
    ]);
  if (step.kind === 'sensor')
    throw AppError.badRequest('The cell is invalid', [
      { path: ['stepId'], message: `"${stepId}" is a sensor; it has nothing to run` },
    ]);

  // the earlier run that feeds it: the one named, or the latest with this item
  const from = fromRunId
    ? await deps.db.run.findFirst({ where: { id: fromRunId, pipelineId: pipeline.id } })
    : await deps.db.run.findFirst({
        where: { pipelineId: pipeline.id, trigger: { not: 'dev' }, items: { some: { key: itemKey } } },
        orderBy: { createdAt: 'desc' },
      });
  if (fromRunId && !from) throw AppError.notFound(`run ${fromRunId} of pipeline "${pipelineSlug}"`);
  const needs = step.needs.map((id) => spec.steps.find((s) => s.id === id)!).filter((s) => s.kind !== 'sensor');
  const inputs: Record<string, StepOutput> = {};
  if (needs.length > 0) {
    if (!from)
      throw new AppError(
        'CONFLICT',
        `no earlier run has item "${itemKey}": run the pipeline once, or the cells above this one`,
      );
    const itemNeeds = needs.filter((s) => s.scope === 'item').map((s) => s.id);
    const runNeeds = needs.filter((s) => s.scope !== 'item').map((s) => s.id);
    const [forItem, forRun] = await Promise.all([
      storedOutputs(deps.db, from.id, itemKey, itemNeeds),
      storedOutputs(deps.db, from.id, RUN_LEVEL_ITEM, runNeeds),
    ]);
    const missing = needs.filter((s) => ![...forItem.succeeded, ...forRun.succeeded].includes(s.id)).map((s) => s.id);
    if (missing.length)
      throw new AppError(
        'CONFLICT',
        `run ${from.id} has no succeeded ${missing.map((m) => `"${m}"`).join(', ')} for item "${itemKey}": ` +
          `run ${missing.length > 1 ? 'those cells' : 'that cell'} first`,
      );
    for (const [id, output] of Object.entries({ ...forRun.outputs, ...forItem.outputs }))
      inputs[id] = output.artifacts ? { ...output, artifacts: { ...output.artifacts, runId: from.id } } : output;
  }

  const { params, problems } = resolveParams(spec, (from?.params as Record<string, unknown> | undefined) ?? {}, {
    sharedDirs: deps.config.stepSharedDirs,
  });
  if (problems.length) throw AppError.badRequest('The cell run needs params the earlier run lacks', problems);
  const runId = randomUUID();
  const models = await resolveModels(deps.db, [step]);
  const run = await deps.db.run.create({
    data: {
      id: runId,
      pipelineId: pipeline.id,
      pipelineVersionId: version.id,
      trigger: 'dev',
      params: params as object,
      models: models as object,
      workflowId: workflowIds.run(runId),
      itemsTotal: 1,
      items: { create: { key: itemKey, ordinal: 0 } },
    },
  });
  const plan = {
    ...planFor(run, spec, version.version, deps.config),
    maxInFlight: 1,
    alerts: [],
    deadlineMs: undefined,
    retryFailedItems: undefined,
    cell: { stepId, inputs },
  };
  await startPipelineRun(deps, { workflowId: run.workflowId, input: { plan }, what: 'cell' });
  return { runId, fromRunId: from?.id ?? null };
}
