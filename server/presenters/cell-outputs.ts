// Read model of a notebook's stored outputs, as Jupyter shows a saved notebook's: for one item, each cell's latest
// attempt among all the pipeline's runs (cell runs included), with its log tail, displays, result, error and
// metrics and files. One query for the whole notebook, then one for the files (those the cells kept and the images
// they displayed), both at once.
import type { Display } from '~/common/displays';
import type { StepStatus } from '~/common/statuses';
import { type Db, Prisma } from '~/server/db';
import { AppError } from '~/server/errors';
import type { RunTrigger } from '~/server/generated/prisma/enums';
import { artifactUrl } from './artifacts';
import { presentDisplays } from './displays';

/** The end of a cell's log the notebook shows (characters); the run page has the rest. */
export const CELL_LOG_TAIL = 8 * 1024;
/** Items of the latest run offered to pick from. */
export const NOTEBOOK_ITEMS_MAX = 100;
/** Files listed under a cell (its first ones by name); the run page lists them all. */
export const CELL_FILES_MAX = 24;

export interface CellFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  url: string;
}

/** A metric the cell logged in that attempt: its last value (by step number, then time) and its spread. */
export interface CellMetric {
  name: string;
  count: number;
  min: number;
  max: number;
  last: number;
  lastStep: number | null;
}

export interface StoredCellOutput {
  runId: string;
  trigger: RunTrigger;
  /** The item it ran on ('' for a run-level step). */
  itemKey: string;
  attempt: number;
  status: StepStatus;
  /** The last CELL_LOG_TAIL characters of its log. */
  log: string;
  /** Earlier output was cut (by the worker, or here). */
  logTruncated: boolean;
  displays: Display[];
  result: unknown;
  error: string | null;
  metrics: CellMetric[];
  /** How many files it kept, and the first CELL_FILES_MAX of them by name. */
  fileCount: number;
  files: CellFile[];
  startedAt: Date;
  endedAt: Date | null;
}

export interface NotebookOutputs {
  /**
   * The item the outputs are of: the one asked for, else the first item of the pipeline's latest run (cell runs
   * included: where the person left off), else the first default of the latest version's items param (null: none).
   */
  itemKey: string | null;
  /** The items of the pipeline's latest run (not a cell run), to pick from; at most NOTEBOOK_ITEMS_MAX. */
  items: string[];
  /** By step id: its latest attempt on the item (run-level steps: the latest run's); absent when it never ran. */
  cells: Record<string, StoredCellOutput>;
}

interface Row {
  pipelineId: string;
  itemKey: string | null;
  items: string[];
  runId: string | null;
  trigger: RunTrigger;
  stepId: string;
  stepItemKey: string;
  attempt: number;
  status: StepStatus;
  log: string;
  logTruncated: boolean;
  displays: unknown;
  result: unknown;
  error: string | null;
  metrics: CellMetric[] | null;
  artifactCount: number;
  startedAt: Date;
  endedAt: Date | null;
}

export async function notebookOutputs(db: Db, input: { slug: string; itemKey?: string }): Promise<NotebookOutputs> {
  const rows = await db.$queryRaw<Row[]>(outputsQuery(input.slug, input.itemKey ?? null));
  const head = rows[0];
  if (!head) throw AppError.notFound(`pipeline "${input.slug}"`);
  const attempts = rows
    .filter((r): r is Row & { runId: string } => r.runId !== null)
    .map((r) => ({ ...r, key: { runId: r.runId, itemKey: r.stepItemKey, stepId: r.stepId, attempt: r.attempt } }));
  const [displays, files] = await Promise.all([
    presentDisplays(
      db,
      attempts.map((a) => ({ ...a.key, displays: a.displays })),
    ),
    keptFiles(
      db,
      attempts.filter((a) => a.artifactCount > 0).map((a) => a.key),
    ),
  ]);
  const cells: Record<string, StoredCellOutput> = {};
  attempts.forEach((r, i) => {
    const kept = files.filter((f) => f.stepId === r.stepId);
    cells[r.stepId] = {
      runId: r.runId,
      trigger: r.trigger,
      itemKey: r.stepItemKey,
      attempt: r.attempt,
      status: r.status,
      log: r.log,
      logTruncated: r.logTruncated,
      displays: displays[i]!,
      result: r.result,
      error: r.error,
      metrics: r.metrics ?? [],
      fileCount: r.artifactCount,
      files: kept.map(({ stepId: _step, ...f }) => f),
      startedAt: r.startedAt,
      endedAt: r.endedAt,
    };
  });
  return { itemKey: head.itemKey, items: head.items, cells };
}

/** The first CELL_FILES_MAX files (by name) each attempt kept, in one query. */
async function keptFiles(
  db: Db,
  attempts: { runId: string; itemKey: string; stepId: string; attempt: number }[],
): Promise<(CellFile & { stepId: string })[]> {
  if (!attempts.length) return [];
  const rows = await db.$queryRaw<{ id: string; stepId: string; name: string; size: bigint; contentType: string }[]>`
    SELECT id, "stepId", name, size, "contentType" FROM (
      SELECT a.id, a."stepId", a.name, a.size, a."contentType",
        row_number() OVER (PARTITION BY a."runId", a."itemKey", a."stepId", a.attempt ORDER BY a.name) AS n
      FROM "Artifact" a
      JOIN unnest(${attempts.map((a) => a.runId)}::text[], ${attempts.map((a) => a.itemKey)}::text[],
        ${attempts.map((a) => a.stepId)}::text[], ${attempts.map((a) => a.attempt)}::int[])
        AS k("runId", "itemKey", "stepId", attempt)
      ON a."runId" = k."runId" AND a."itemKey" = k."itemKey" AND a."stepId" = k."stepId" AND a.attempt = k.attempt
    ) f
    WHERE n <= ${CELL_FILES_MAX}
    ORDER BY "stepId", name`;
  return rows.map((r) => ({ ...r, size: Number(r.size), url: artifactUrl(r.id) }));
}

/**
 * One row per step that ran on the item (or none, with the pipeline's columns only, when none did); no row at all
 * for an unknown pipeline. The latest attempt is picked by id only, so that long logs are read for those alone.
 */
function outputsQuery(slug: string, itemKey: string | null) {
  return Prisma.sql`
    WITH p AS (SELECT id, "latestVersion" FROM "Pipeline" WHERE slug = ${slug}),
    last_run AS (
      SELECT r.id FROM "Run" r JOIN p ON r."pipelineId" = p.id
      WHERE r.trigger <> 'dev' ORDER BY r."createdAt" DESC LIMIT 1
    ),
    items AS (
      SELECT coalesce(array_agg(i.key ORDER BY i.ordinal), '{}') AS keys FROM (
        SELECT key, ordinal FROM "ItemRun" WHERE "runId" = (SELECT id FROM last_run)
        ORDER BY ordinal LIMIT ${NOTEBOOK_ITEMS_MAX}
      ) i
    ),
    left_off AS (
      SELECT i.key FROM "ItemRun" i
      WHERE i."runId" = (SELECT r.id FROM "Run" r JOIN p ON r."pipelineId" = p.id ORDER BY r."createdAt" DESC LIMIT 1)
      ORDER BY i.ordinal LIMIT 1
    ),
    param_default AS (
      SELECT v.spec -> 'params' -> (v.spec -> 'items' ->> 'param') -> 'default' ->> 0 AS key
      FROM "PipelineVersion" v JOIN p ON v."pipelineId" = p.id AND v.version = p."latestVersion"
      WHERE v.spec -> 'items' ->> 'source' = 'param'
    ),
    item AS (
      SELECT coalesce(${itemKey}::text, (SELECT key FROM left_off), (SELECT key FROM param_default)) AS key
    ),
    latest AS (
      SELECT DISTINCT ON (sr."stepId") sr.id
      FROM "StepRun" sr JOIN "Run" r ON r.id = sr."runId" JOIN p ON r."pipelineId" = p.id
      WHERE sr."itemKey" IN ((SELECT key FROM item), '')
      ORDER BY sr."stepId", sr."startedAt" DESC, sr.attempt DESC
    )
    SELECT p.id AS "pipelineId", (SELECT key FROM item) AS "itemKey", (SELECT keys FROM items) AS items,
      s."runId", s.trigger, s."stepId", s."stepItemKey", s.attempt, s.status, s.log, s."logTruncated", s.displays,
      s.result, s.error, s.metrics, s."artifactCount", s."startedAt", s."endedAt"
    FROM p LEFT JOIN LATERAL (
      SELECT sr."runId", r.trigger::text AS trigger, sr."stepId", sr."itemKey" AS "stepItemKey", sr.attempt,
        sr.status::text AS status, right(sr.log, ${CELL_LOG_TAIL}) AS log,
        (sr."logTruncated" OR length(sr.log) > ${CELL_LOG_TAIL}) AS "logTruncated", sr.displays, sr.result,
        sr.error, sr."artifactCount", sr."startedAt", sr."endedAt",
        (SELECT json_agg(json_build_object('name', m.name, 'count', m.count, 'min', m.min, 'max', m.max,
            'last', m.last[1], 'lastStep', m."lastStep"[1]) ORDER BY m.name)
          FROM (
            SELECT name, count(*)::int AS count, min(value) AS min, max(value) AS max,
              array_agg(value ORDER BY step DESC NULLS LAST, "createdAt" DESC, id DESC) AS last,
              array_agg(step ORDER BY step DESC NULLS LAST, "createdAt" DESC, id DESC) AS "lastStep"
            FROM "StepMetric"
            WHERE "runId" = sr."runId" AND "itemKey" = sr."itemKey" AND "stepId" = sr."stepId"
              AND attempt = sr.attempt
            GROUP BY name
          ) m
        ) AS metrics
      FROM latest JOIN "StepRun" sr ON sr.id = latest.id JOIN "Run" r ON r.id = sr."runId"
    ) s ON true`;
}
