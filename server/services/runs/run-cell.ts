// Running one notebook cell on its own: one item step, for one item, fed the latest stored outputs of the steps it
// needs (from any run of the pipeline, cell runs included, or from a chosen run onwards). A small run of its own
// ("dev"), on the cell's queue, so the output appears under the cell without a whole pipeline run. The cell is
// the latest version's, or the caller's draft's (its unsaved code), which the run keeps as its spec.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { itemKeyProblem } from '~/common/item-key';
import { resolveParams, type PipelineSpec, type StepSpec } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM, workflowIds, type StepOutput } from '~/common/run-contract';
import { storedOutputs } from '~/server/artifacts/outputs';
import type { Actor } from '~/server/auth/actor';
import type { Db, Prisma } from '~/server/db';
import { AppError } from '~/server/errors';
import { draftOwner } from '~/server/services/drafts/drafts';
import { resolveModels } from '~/server/services/models/models';
import { storeCellSources } from '~/server/services/pipelines/cell-sources';
import { parsePipelineSpec } from '~/server/services/pipelines/register-pipeline';
import { grantProblems } from '~/server/services/secrets/grants';
import { planFor, runnablePipeline, startPipelineRun, type RunServiceDeps } from './run-lifecycle';

export const runCellInput = z.object({
  pipelineSlug: z.string().min(1).max(100),
  stepId: z.string().min(1).max(63),
  itemKey: z.string().min(1).max(128),
  /** Where the cell's inputs come from: this run and the cell runs made after it. By default, any run of the
   * pipeline (the latest succeeded output of each needed step). */
  fromRunId: z.uuid().optional(),
  /** Run the cell as the caller's draft has it (its code unsaved), not as the latest version does. */
  draft: z.boolean().optional(),
});

type RunRow = Awaited<ReturnType<Db['run']['findFirstOrThrow']>>;

export async function runCell(
  deps: RunServiceDeps,
  input: z.input<typeof runCellInput>,
  caller?: Actor | null,
): Promise<{ runId: string; fromRunId: string | null }> {
  const { pipelineSlug, stepId, itemKey, fromRunId, draft } = runCellInput.parse(input);
  const keyProblem = itemKeyProblem(itemKey);
  if (keyProblem) throw AppError.badRequest('The item is invalid', [{ path: ['itemKey'], message: keyProblem }]);
  const runnable = await runnablePipeline(deps.db, pipelineSlug, 'run cells');
  const { pipeline, version } = runnable;
  // a draft's cell runs with its unsaved code, stored by hash: the run keeps the spec it ran (Run.spec)
  const draftSpec = draft ? await draftToRun(deps.db, pipeline.id, pipelineSlug, draftOwner(caller)) : undefined;
  const spec = draftSpec ?? runnable.spec;
  const step = cellToRun(spec.steps, stepId);

  const from = fromRunId ? await deps.db.run.findFirst({ where: { id: fromRunId, pipelineId: pipeline.id } }) : null;
  if (fromRunId && !from) throw AppError.notFound(`run ${fromRunId} of pipeline "${pipelineSlug}"`);
  const needs = step.needs.map((id) => spec.steps.find((s) => s.id === id)!).filter((s) => s.kind !== 'sensor');
  const { inputs, sources } = await latestInputs(deps.db, pipeline.id, itemKey, needs, from);
  const missing = needs.filter((s) => !(s.id in sources)).map((s) => s.id);
  if (missing.length) {
    const named = missing.map((m) => `"${m}"`).join(', ');
    const first = `run ${missing.length > 1 ? 'those cells' : 'that cell'} first`;
    if (from)
      throw new AppError(
        'CONFLICT',
        `neither run ${from.id} nor a cell run after it has a succeeded ${named} for item "${itemKey}": ${first}`,
      );
    if (Object.keys(sources).length === 0)
      throw new AppError(
        'CONFLICT',
        `no earlier run has item "${itemKey}": run the pipeline once, or the cells above this one`,
      );
    throw new AppError('CONFLICT', `no run has a succeeded ${named} for item "${itemKey}": ${first}`);
  }

  // params as the run that fed the cell had them (a cell run copies its own from such a run)
  const paramsRun = from ?? (await paramsSource(deps.db, pipeline.id, itemKey, Object.values(sources)));
  const { params, problems } = resolveParams(spec, (paramsRun?.params as Record<string, unknown> | undefined) ?? {}, {
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
      ...(draftSpec ? { spec: draftSpec as object } : {}),
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
    // the run that fed it lends its shared folder ({runDir}: a crawl's landing zone), read-only
    cell: { stepId, inputs, ...(paramsRun ? { runDirOf: paramsRun.id } : {}) },
  };
  await startPipelineRun(deps, { workflowId: run.workflowId, input: { plan }, what: 'cell' });
  return { runId, fromRunId: from?.id ?? newestSource(Object.values(sources)) };
}

/** The caller's draft, checked as a push would check it, its code stored by hash. */
async function draftToRun(db: Db, pipelineId: string, slug: string, userId: string): Promise<PipelineSpec> {
  const draft = await db.pipelineDraft.findUnique({ where: { pipelineId_userId: { pipelineId, userId } } });
  if (!draft)
    throw new AppError('CONFLICT', `you have no draft of pipeline "${slug}": edit a cell first, or run it as saved`);
  const spec = parsePipelineSpec(draft.spec);
  const ungranted = await grantProblems(db, spec);
  if (ungranted.length) throw AppError.badRequest('The draft names secrets or connections it cannot use', ungranted);
  return storeCellSources(db, spec);
}

/** The step, when it is a cell that can run on its own for one item. */
function cellToRun(steps: StepSpec[], stepId: string): StepSpec {
  const step = steps.find((s) => s.id === stepId);
  const refuse = (message: string) => AppError.badRequest('The cell is invalid', [{ path: ['stepId'], message }]);
  if (!step) throw refuse(`unknown step "${stepId}"`);
  if (step.kind === 'markdown') throw refuse(`"${stepId}" is a markdown cell; it has nothing to run`);
  if (step.scope !== 'item')
    throw refuse(`"${stepId}" is a run-level (${step.scope}) step; only item steps run on their own`);
  if (step.kind === 'sensor') throw refuse(`"${stepId}" is a sensor; it has nothing to run`);
  return step;
}

interface InputSource {
  runId: string;
  endedAt: Date | null;
}

/**
 * Each needed step's latest succeeded output for the item (run-level steps: for the run), among the pipeline's
 * runs, cell runs included: so a cell runs on what the cell above it last produced, draft or not. With `from`,
 * among that run and the cell runs made after it.
 */
async function latestInputs(
  db: Db,
  pipelineId: string,
  itemKey: string,
  needs: StepSpec[],
  from: RunRow | null,
): Promise<{ inputs: Record<string, StepOutput>; sources: Record<string, InputSource> }> {
  const runs: Prisma.RunWhereInput = from
    ? { OR: [{ id: from.id }, { pipelineId, trigger: 'dev', createdAt: { gt: from.createdAt } }] }
    : { pipelineId };
  const inputs: Record<string, StepOutput> = {};
  const sources: Record<string, InputSource> = {};
  for (const need of needs) {
    const key = need.scope === 'item' ? itemKey : RUN_LEVEL_ITEM;
    const latest = await db.stepRun.findFirst({
      where: { run: runs, itemKey: key, stepId: need.id, status: 'succeeded' },
      orderBy: [{ endedAt: { sort: 'desc', nulls: 'last' } }, { startedAt: 'desc' }],
      select: { runId: true, endedAt: true },
    });
    if (!latest) continue;
    sources[need.id] = latest;
    const { outputs } = await storedOutputs(db, latest.runId, key, [need.id]);
    const output = outputs[need.id];
    if (output)
      inputs[need.id] = output.artifacts
        ? { ...output, artifacts: { ...output.artifacts, runId: latest.runId } }
        : output;
  }
  return { inputs, sources };
}

/** The run whose params a cell run takes: the latest pipeline run with the item, else the newest that fed it. */
async function paramsSource(db: Db, pipelineId: string, itemKey: string, sources: InputSource[]) {
  const triggered = await db.run.findFirst({
    where: { pipelineId, trigger: { not: 'dev' }, items: { some: { key: itemKey } } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, params: true },
  });
  if (triggered) return triggered;
  const newest = newestSource(sources);
  return newest ? db.run.findUnique({ where: { id: newest }, select: { id: true, params: true } }) : null;
}

function newestSource(sources: InputSource[]): string | null {
  let newest: InputSource | null = null;
  for (const s of sources) if (!newest || (s.endedAt?.getTime() ?? 0) > (newest.endedAt?.getTime() ?? 0)) newest = s;
  return newest?.runId ?? null;
}
