// A person's draft of a pipeline: the notebook's unsaved edits, one per pipeline and person, its cells' code inline.
// A draft is checked like a push (an invalid one is refused, each problem at its cell) and touches no version and
// no schedule until it is published: then it becomes the pipeline's next version and the draft is gone.
import { isCodeKind, pipelineSpecSchema, type PipelineSpec, type StepSpec } from '~/common/pipeline-spec';
import { diffJson, type Change } from '~/common/spec-diff';
import { lineDiff, type LineDiff } from '~/common/text-diff';
import type { Actor } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError, type FieldProblem } from '~/server/errors';
import { cellSources, withCellCode } from '~/server/services/pipelines/cell-sources';
import { parsePipelineSpec, pushPipeline } from '~/server/services/pipelines/register-pipeline';
import { grantProblems } from '~/server/services/secrets/grants';
import type { ScheduleDeps } from '~/server/services/schedules/temporal-schedules';

export interface Draft {
  /** The draft's spec, every code cell's code inline. */
  spec: PipelineSpec;
  /** The version the draft started from, and the pipeline's latest (newer when someone saved meanwhile). */
  baseVersion: number;
  latestVersion: number;
  updatedAt: Date;
}

/** What changed in one cell's code (code cells) or text (Markdown cells). */
export interface CellDiff {
  id: string;
  kind: StepSpec['kind'];
  change: 'added' | 'removed' | 'changed';
  diff: LineDiff;
}

export interface DraftDiff {
  /** Changes of the spec besides the cells' code and text (settings, params, order), as pipelines.diff shows. */
  changes: Change[];
  cells: CellDiff[];
}

/** Drafts belong to people: an API token has none. */
export function draftOwner(actor: Actor | null | undefined): string {
  if (actor?.kind !== 'user')
    throw new AppError('FORBIDDEN', 'Drafts belong to people signed in to the portal, not to API tokens');
  return actor.id;
}

async function livePipeline(db: Db, slug: string) {
  const pipeline = await db.pipeline.findUnique({ where: { slug } });
  if (!pipeline || pipeline.latestVersion === 0 || pipeline.deletedAt) throw AppError.notFound(`pipeline "${slug}"`);
  return pipeline;
}

/** A version's spec as the notebook edits it: every code cell's code inline (its hash dropped). */
export async function editableSpec(db: Db, spec: PipelineSpec): Promise<PipelineSpec> {
  const inline = await withCellCode(db, spec);
  return { ...inline, steps: inline.steps.map((s) => (s.code !== undefined ? withoutHash(s) : s)) };
}

function withoutHash(step: StepSpec): StepSpec {
  const { codeHash: _hash, ...rest } = step;
  return rest;
}

/** The caller's draft of the pipeline, or null. */
export async function getDraft(db: Db, slug: string, userId: string): Promise<Draft | null> {
  const pipeline = await livePipeline(db, slug);
  const row = await db.pipelineDraft.findUnique({ where: { pipelineId_userId: { pipelineId: pipeline.id, userId } } });
  if (!row) return null;
  return {
    spec: row.spec as unknown as PipelineSpec,
    baseVersion: row.baseVersion,
    latestVersion: pipeline.latestVersion,
    updatedAt: row.updatedAt,
  };
}

/**
 * Stores the caller's draft (the first save starts it from the latest version). Refused, storing nothing, when the
 * spec has problems a push would refuse: each names its field, and a cycle names every cell in it.
 */
export async function saveDraft(
  deps: Pick<ScheduleDeps, 'db' | 'config'>,
  slug: string,
  userId: string,
  input: unknown,
): Promise<Draft> {
  const pipeline = await livePipeline(deps.db, slug);
  const spec = await checkedDraft(deps, slug, await codeInline(deps.db, input));
  const key = { pipelineId_userId: { pipelineId: pipeline.id, userId } };
  const row = await deps.db.pipelineDraft.upsert({
    where: key,
    create: { pipelineId: pipeline.id, userId, spec: spec as object, baseVersion: pipeline.latestVersion },
    update: { spec: spec as object },
  });
  return { spec, baseVersion: row.baseVersion, latestVersion: pipeline.latestVersion, updatedAt: row.updatedAt };
}

/** The spec a draft may hold, or AppError BAD_REQUEST with each problem at its cell. */
async function checkedDraft(
  deps: Pick<ScheduleDeps, 'db' | 'config'>,
  slug: string,
  input: unknown,
): Promise<PipelineSpec> {
  let spec: PipelineSpec;
  try {
    spec = parsePipelineSpec(input, { minScheduleIntervalS: deps.config.minScheduleIntervalS });
  } catch (err) {
    if (err instanceof AppError && err.code === 'BAD_REQUEST')
      throw AppError.badRequest('The draft is invalid', atCells(input, err.fields));
    throw err;
  }
  if (spec.slug !== slug)
    throw AppError.badRequest('The draft is invalid', [
      { path: ['slug'], message: `must stay "${slug}": a draft edits its own pipeline` },
    ]);
  const ungranted = await grantProblems(deps.db, spec);
  if (ungranted.length) throw AppError.badRequest('The draft names secrets or connections it cannot use', ungranted);
  return spec;
}

/**
 * A cycle is reported on the steps as a whole ("a -> b -> a"); a notebook shows problems at cells, so each cell of
 * the cycle gets it at its needs.
 */
function atCells(input: unknown, problems: FieldProblem[]): FieldProblem[] {
  const steps = (input as { steps?: unknown } | null)?.steps;
  const ids = Array.isArray(steps) ? steps.map((s) => (s as { id?: unknown } | null)?.id) : [];
  return problems.flatMap((problem) => {
    const cycle = /^the steps form a cycle: (.+)$/.exec(problem.message);
    if (problem.path.join('.') !== 'steps' || !cycle) return [problem];
    const members = new Set(cycle[1]!.split(' -> '));
    return ids.flatMap((id, i) =>
      typeof id === 'string' && members.has(id)
        ? [{ path: ['steps', i, 'needs'], message: `"${id}" is in a cycle: ${cycle[1]}` }]
        : [],
    );
  });
}

/** A draft holds code inline: a cell's hash (kept from the version it was read from) goes, or, sent alone, is
 * replaced by its stored code. A hash naming no stored code stays, for the spec check to report. */
async function codeInline(db: Db, input: unknown): Promise<unknown> {
  const steps = (input as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return input;
  type Cell = { code?: unknown; codeHash?: unknown };
  const cells = steps.map((s) => (s && typeof s === 'object' ? (s as Cell) : null));
  const stored = await cellSources(
    db,
    cells.flatMap((c) => (c && c.code === undefined && typeof c.codeHash === 'string' ? [c.codeHash] : [])),
  );
  return {
    ...(input as object),
    steps: cells.map((cell, i) => {
      if (!cell || typeof cell.codeHash !== 'string') return steps[i];
      const code = cell.code ?? stored.get(cell.codeHash);
      if (code === undefined) return cell;
      const { codeHash: _hash, ...rest } = cell;
      return { ...rest, code };
    }),
  };
}

export async function discardDraft(db: Db, slug: string, userId: string): Promise<{ discarded: boolean }> {
  const pipeline = await livePipeline(db, slug);
  const { count } = await db.pipelineDraft.deleteMany({ where: { pipelineId: pipeline.id, userId } });
  return { discarded: count > 0 };
}

/**
 * The draft becomes the pipeline's next version (its schedules brought to Temporal, as a push does) and is deleted.
 * Returns the version and what changed from the version the draft started from.
 */
export async function publishDraft(
  deps: ScheduleDeps,
  slug: string,
  userId: string,
): Promise<{ version: number; created: boolean; from: number; diff: DraftDiff }> {
  const pipeline = await livePipeline(deps.db, slug);
  const draft = await deps.db.pipelineDraft.findUnique({
    where: { pipelineId_userId: { pipelineId: pipeline.id, userId } },
  });
  if (!draft) throw AppError.notFound(`your draft of pipeline "${slug}"`);
  const spec = await checkedDraft(deps, slug, draft.spec);
  const registered = await pushPipeline(deps, spec);
  // a save that landed meanwhile is a newer draft: it stays
  await deps.db.pipelineDraft.deleteMany({ where: { id: draft.id, updatedAt: draft.updatedAt } });
  const base = await deps.db.pipelineVersion.findUnique({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: draft.baseVersion } },
  });
  const before = base ? await editableSpec(deps.db, pipelineSpecSchema.parse(base.spec)) : null;
  return {
    version: registered.version,
    created: registered.created,
    from: draft.baseVersion,
    diff: diffDraft(before, spec),
  };
}

/** What a draft changes: its cells' code and text line by line, everything else as spec paths. */
export function diffDraft(before: PipelineSpec | null, after: PipelineSpec): DraftDiff {
  const beforeSteps = new Map((before?.steps ?? []).map((s) => [s.id, s]));
  const afterSteps = new Map(after.steps.map((s) => [s.id, s]));
  const cells: CellDiff[] = [];
  for (const step of after.steps) {
    const old = beforeSteps.get(step.id);
    const [was, now] = [old ? textOf(old) : null, textOf(step)];
    if (now === null && was === null) continue;
    if (!old || was === null)
      cells.push({ id: step.id, kind: step.kind, change: 'added', diff: lineDiff('', now ?? '') });
    else if (was !== (now ?? ''))
      cells.push({ id: step.id, kind: step.kind, change: 'changed', diff: lineDiff(was, now ?? '') });
  }
  for (const step of before?.steps ?? []) {
    const was = textOf(step);
    if (!afterSteps.has(step.id) && was !== null)
      cells.push({ id: step.id, kind: step.kind, change: 'removed', diff: lineDiff(was, '') });
  }
  return { changes: before ? diffJson(withoutText(before), withoutText(after)) : [], cells };
}

/** A cell's code or Markdown text; null for steps that hold neither (commands, builtins, sensors). */
function textOf(step: StepSpec): string | null {
  if (isCodeKind(step.kind)) return step.code ?? '';
  if (step.kind === 'markdown') return step.markdown ?? '';
  return null;
}

function withoutText(spec: PipelineSpec): PipelineSpec {
  return {
    ...spec,
    steps: spec.steps.map(({ code: _code, codeHash: _hash, markdown: _markdown, ...rest }) => rest as StepSpec),
  };
}
