// Notebooks: a Jupyter notebook pushed as a pipeline's new version, and a version as a notebook holding the outputs
// of one item of a run. The conversion is common/notebook (pure); here are the database and the artifact store.
import { readRecordedDisplays } from '~/common/displays';
import { formatBytes, MAX_SPEC_REQUEST_BYTES, utf8Length } from '~/common/limits';
import { notebookFromPipeline, pipelineFromNotebook } from '~/common/notebook/ipynb';
import { type Notebook, notebookPathText } from '~/common/notebook/nbformat';
import type { ImageBytes, StepOutputs } from '~/common/notebook/outputs';
import type { PipelineSpec } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM } from '~/common/run-contract';
import { ArtifactNotFoundError, type ArtifactStore } from '~/server/artifacts/store';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { artifactUrl, INLINE_MAX_BYTES } from '~/server/presenters/artifacts';
import { getPipelineVersion, type SpecReader } from '~/server/presenters/pipeline-versions';
import { withCellCode } from '~/server/services/pipelines/cell-sources';
import { pushPipeline } from '~/server/services/pipelines/register-pipeline';
import type { ScheduleDeps } from '~/server/services/schedules/temporal-schedules';

/** All the images of one exported notebook together (each at most INLINE_MAX_BYTES); more are named by their URL. */
export const MAX_NOTEBOOK_IMAGES_BYTES = 16 * 1024 * 1024;

export interface ImportNotebookInput {
  notebook: unknown;
  slug: string;
  name?: string;
}

/** The notebook as a new version of the pipeline `slug` (created if new; none when nothing changed). */
export async function importNotebook(
  deps: ScheduleDeps,
  input: ImportNotebookInput,
): Promise<{ slug: string; version: number; created: boolean }> {
  // the HTTP layer refuses larger bodies; server-side callers are held to the same size
  const bytes = utf8Length(JSON.stringify(input.notebook) ?? '');
  if (bytes > MAX_SPEC_REQUEST_BYTES)
    throw AppError.badRequest('The notebook is too large', [
      {
        path: ['notebook'],
        message:
          `is ${formatBytes(bytes)} as JSON, more than ${formatBytes(MAX_SPEC_REQUEST_BYTES)} ` +
          '(MAX_SPEC_REQUEST_BYTES): clear its outputs',
      },
    ]);
  // a notebook imported again without a name keeps the pipeline's
  const existing = await deps.db.pipeline.findUnique({ where: { slug: input.slug }, select: { name: true } });
  const { spec, problems } = pipelineFromNotebook(
    input.notebook,
    { slug: input.slug, name: input.name, defaultName: existing?.name },
    { minScheduleIntervalS: deps.config.minScheduleIntervalS },
  );
  if (!spec)
    throw AppError.badRequest(
      'The notebook cannot become a pipeline',
      problems.map((p) => ({ path: p.path.length ? [notebookPathText(p.path)] : [], message: p.message })),
    );
  const { slug, version, created } = await pushPipeline(deps, spec);
  return { slug, version, created };
}

export interface ExportNotebookInput {
  slug: string;
  /** The latest version when neither it nor a run is given. */
  version?: number;
  /** The run whose outputs the notebook holds (its version is exported). */
  runId?: string;
  /** The item of that run; its first item when not given. */
  itemKey?: string;
}

export interface ExportDeps {
  db: Db;
  store: ArtifactStore;
}

/** A version as a notebook (code inline), with one item's outputs when a run is given. */
export async function exportNotebook(
  deps: ExportDeps,
  reader: SpecReader,
  input: ExportNotebookInput,
): Promise<Notebook> {
  const { db } = deps;
  if (input.itemKey !== undefined && input.runId === undefined)
    throw AppError.badRequest('The input is invalid', [
      { path: ['itemKey'], message: 'needs a run (runId): the outputs are those of an item of a run' },
    ]);
  const run = input.runId
    ? await db.run.findUnique({
        where: { id: input.runId },
        select: {
          id: true,
          spec: true,
          pipeline: { select: { slug: true } },
          pipelineVersion: { select: { version: true } },
        },
      })
    : null;
  if (input.runId && run?.pipeline.slug !== input.slug)
    throw AppError.notFound(`run ${input.runId} of pipeline "${input.slug}"`);
  if (run && input.version !== undefined && input.version !== run.pipelineVersion.version)
    throw AppError.badRequest('The input is invalid', [
      { path: ['version'], message: `run ${run.id} ran version ${run.pipelineVersion.version}` },
    ]);
  const found = await getPipelineVersion(db, input.slug, run?.pipelineVersion.version ?? input.version, reader);
  // a draft cell run ran a spec of its own: what ran is what the notebook shows (alerts stay the version's, as
  // this reader may see them)
  const ran = run?.spec ? { ...(run.spec as unknown as PipelineSpec), alerts: found.spec.alerts } : found.spec;
  const spec = await withCellCode(db, ran);
  if (!run) return notebookFromPipeline(spec, {}, { version: found.version });

  const item = await itemOf(db, run.id, input.itemKey);
  const { outputs, images } = await itemOutputs(deps, run.id, spec, item);
  return notebookFromPipeline(spec, outputs, {
    version: found.version,
    runId: run.id,
    item,
    image: (stepId, file) => images.get(imageKey(stepId, file)),
  });
}

/** The item whose outputs are shown: the one asked for, or the run's first (none for a run of no items). */
async function itemOf(db: Db, runId: string, itemKey: string | undefined): Promise<string | undefined> {
  const item = await db.itemRun.findFirst({
    where: { runId, ...(itemKey !== undefined ? { key: itemKey } : {}) },
    orderBy: { ordinal: 'asc' },
    select: { key: true },
  });
  if (itemKey !== undefined && !item) throw AppError.notFound(`item "${itemKey}" of run ${runId}`);
  return item?.key;
}

const imageKey = (stepId: string, file: string) => `${stepId}\n${file}`;

/** The latest attempt of each step for the item (run-level steps: the run's), and the images they displayed. */
async function itemOutputs(deps: ExportDeps, runId: string, spec: PipelineSpec, item: string | undefined) {
  const keys = item === undefined ? [RUN_LEVEL_ITEM] : [item, RUN_LEVEL_ITEM];
  const rows = await deps.db.stepRun.findMany({
    where: { runId, itemKey: { in: keys } },
    orderBy: { attempt: 'desc' },
  });
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const key = `${row.itemKey}\n${row.stepId}`;
    if (!latest.has(key)) latest.set(key, row);
  }
  const outputs: Record<string, StepOutputs> = {};
  const images = new Map<string, ImageBytes>();
  let budget = MAX_NOTEBOOK_IMAGES_BYTES;
  for (const step of spec.steps) {
    const row = latest.get(`${step.scope === 'item' ? (item ?? '') : RUN_LEVEL_ITEM}\n${step.id}`);
    if (!row || (step.scope === 'item' && item === undefined)) continue;
    const displays = Array.isArray(row.displays) ? (row.displays as unknown[]) : undefined;
    outputs[step.id] = {
      displays,
      log: row.log || undefined,
      result: row.result ?? undefined,
      error: row.error ?? undefined,
    };
    for (const display of readRecordedDisplays(displays)) {
      if (display.kind !== 'image' || images.has(imageKey(step.id, display.file))) continue;
      const file = display.file;
      const found = await imageBytes(
        deps,
        { runId, itemKey: row.itemKey, stepId: step.id, attempt: row.attempt },
        file,
        budget,
      );
      budget -= found.bytes ?? 0;
      images.set(imageKey(step.id, file), found.image);
    }
  }
  return { outputs, images };
}

/** An image a step displayed, from the artifact store, while it fits the notebook's budget. */
async function imageBytes(
  deps: ExportDeps,
  attempt: { runId: string; itemKey: string; stepId: string; attempt: number },
  file: string,
  budget: number,
): Promise<{ image: ImageBytes; bytes?: number }> {
  const artifact = await deps.db.artifact.findUnique({
    where: { runId_itemKey_stepId_attempt_name: { ...attempt, name: file } },
  });
  if (!artifact) return { image: { unavailable: 'the step kept no such file' } };
  const url = artifactUrl(artifact.id);
  if (!artifact.contentType.startsWith('image/'))
    return { image: { unavailable: `${artifact.contentType} is not an image (${url})` } };
  const size = Number(artifact.size);
  if (size > INLINE_MAX_BYTES || size > budget)
    return { image: { unavailable: `${formatBytes(size)} is too large to embed; download it from ${url}` } };
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await deps.store.open(artifact.uri)) chunks.push(chunk as Buffer);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError)
      return { image: { unavailable: `missing from the artifact store (${url})` } };
    throw err;
  }
  const bytes = Buffer.concat(chunks);
  const data = artifact.contentType === 'image/svg+xml' ? bytes.toString('utf8') : bytes.toString('base64');
  return { image: { contentType: artifact.contentType, data }, bytes: bytes.length };
}
