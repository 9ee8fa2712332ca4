// Read models of runs: the run page's header, its steps, and every item's latest attempt per step.
import { type PipelineSpec, runnableSteps } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM } from '~/common/run-contract';
import { STATUS_CODES } from '~/common/status-codes';
import { isActiveRun, isErroredStep, type ItemStatus, type RunStatus, type StepStatus } from '~/common/statuses';
import type { Db } from '~/server/db';
import type { RunTrigger } from '~/server/generated/prisma/enums';
import { AppError } from '~/server/errors';
import { decodeCursor, encodeCursor } from './cursor';

/** One cell of the grid, kept small (a run page carries items × steps of them): times in epoch ms. */
export interface StepCell {
  status: StepStatus;
  attempts: number;
  error: string | null;
  startedMs: number;
  endedMs: number | null;
}

/** How many items' latest attempt of one step is in each status. */
export type StepCounts = Partial<Record<StepStatus, number>>;

export interface RunDetail {
  id: string;
  pipeline: { slug: string; name: string; version: number };
  status: RunStatus;
  trigger: RunTrigger;
  params: unknown;
  error: string | null;
  counts: { total: number; succeeded: number; failed: number; running: number; pending: number };
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  workflowId: string;
  temporalUiUrl: string;
  steps: { id: string; title: string; queue: string; scope: string; kind: string; needs: string[] }[];
  items: { key: string; status: ItemStatus; error: string | null; steps: Record<string, StepCell> }[];
  runSteps: Record<string, StepCell>;
  /** Per step: how many items are in each status (the DAG's counts). */
  stepCounts: Record<string, StepCounts>;
  /** What is left, from the pace so far; null until an item has finished, or once the run ended. */
  remainingMs: number | null;
}

export async function getRunDetail(
  db: Db,
  runId: string,
  temporal: { uiUrl: string; namespace: string },
): Promise<RunDetail> {
  const run = await loadRun(db, runId);
  const spec = specOf(run);
  const [items, latest, attempts, statusCounts] = await Promise.all([
    db.itemRun.findMany({
      where: { runId },
      orderBy: { ordinal: 'asc' },
      select: { key: true, status: true, error: true },
    }),
    // the latest attempt of every (item, step)
    db.$queryRaw<
      {
        itemKey: string;
        stepId: string;
        status: StepStatus;
        error: string | null;
        startedAt: Date;
        endedAt: Date | null;
        attempt: number;
      }[]
    >`
      SELECT DISTINCT ON ("itemKey", "stepId") "itemKey", "stepId", status::text AS status, error, "startedAt",\
 "endedAt", attempt
      FROM "StepRun" WHERE "runId" = ${runId}
      ORDER BY "itemKey", "stepId", attempt DESC`,
    db.stepRun.groupBy({ by: ['itemKey', 'stepId'], where: { runId }, _count: { _all: true } }),
    db.itemRun.groupBy({ by: ['status'], where: { runId }, _count: { _all: true } }),
  ]);
  const attemptCount = new Map(attempts.map((a) => [`${a.itemKey}\u0000${a.stepId}`, a._count._all]));
  const cells = new Map<string, Record<string, StepCell>>();
  for (const s of latest) {
    const row = cells.get(s.itemKey) ?? cells.set(s.itemKey, {}).get(s.itemKey)!;
    row[s.stepId] = {
      status: s.status,
      attempts: attemptCount.get(`${s.itemKey}\u0000${s.stepId}`) ?? s.attempt,
      error: isErroredStep(s.status) ? s.error : null,
      startedMs: s.startedAt.getTime(),
      endedMs: s.endedAt?.getTime() ?? null,
    };
  }
  const stepCounts: Record<string, StepCounts> = {};
  for (const s of latest) {
    if (s.itemKey === RUN_LEVEL_ITEM) continue;
    stepCounts[s.stepId] ??= {};
    const c = stepCounts[s.stepId];
    c[s.status] = (c[s.status] ?? 0) + 1;
  }
  const count = (status: ItemStatus) => statusCounts.find((c) => c.status === status)?._count._all ?? 0;
  return {
    ...runHeader(run, spec, temporal, count),
    items: items.map((i) => ({ key: i.key, status: i.status, error: i.error, steps: cells.get(i.key) ?? {} })),
    runSteps: cells.get(RUN_LEVEL_ITEM) ?? {},
    stepCounts,
  };
}

async function loadRun(db: Db, runId: string) {
  const run = await db.run.findUnique({ where: { id: runId }, include: { pipeline: true, pipelineVersion: true } });
  if (!run) throw AppError.notFound(`run ${runId}`);
  return run;
}

/** The spec the run ran: its own when it has one (a draft's cell run), else its version's. */
function specOf(run: Awaited<ReturnType<typeof loadRun>>): PipelineSpec {
  return (run.spec ?? run.pipelineVersion.spec) as unknown as PipelineSpec;
}

/** What the run page's header shows, given how many items are in each status. */
function runHeader(
  run: Awaited<ReturnType<typeof loadRun>>,
  spec: PipelineSpec,
  temporal: { uiUrl: string; namespace: string },
  count: (status: ItemStatus) => number,
) {
  return {
    id: run.id,
    pipeline: { slug: run.pipeline.slug, name: run.pipeline.name, version: run.pipelineVersion.version },
    status: run.status,
    trigger: run.trigger,
    params: run.params,
    error: run.error,
    counts: {
      total: run.itemsTotal,
      succeeded: count('succeeded'),
      failed: count('failed'),
      running: count('running'),
      pending: count('pending'),
    },
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    workflowId: run.workflowId,
    temporalUiUrl:
      `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/` +
      `${encodeURIComponent(run.workflowId)}`,
    // a notebook's Markdown cells document it; they are no steps of a run
    steps: runnableSteps(spec.steps).map((s) => ({
      id: s.id,
      title: s.title ?? s.id,
      queue: s.queue,
      scope: s.scope,
      kind: s.kind,
      needs: s.needs,
    })),
    remainingMs: remaining(run, count('succeeded') + count('failed') + count('skipped')),
  };
}

function remaining(
  run: { status: RunStatus; startedAt: Date | null; itemsTotal: number },
  finished: number,
): number | null {
  if (!isActiveRun(run.status) || !run.startedAt || finished === 0) return null;
  const elapsed = Date.now() - run.startedAt.getTime();
  return Math.round((elapsed / finished) * Math.max(0, run.itemsTotal - finished));
}

export interface ListRunsFilter {
  pipelineSlug?: string;
  status?: RunStatus[];
  trigger?: RunTrigger[];
  cursor?: string;
  limit?: number;
}

/** Newest first; pass nextCursor back for the next page. */
export async function listRuns(db: Db, filter: ListRunsFilter) {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  const rows = await db.run.findMany({
    where: {
      ...(filter.pipelineSlug ? { pipeline: { slug: filter.pipelineSlug } } : {}),
      ...(filter.status?.length ? { status: { in: filter.status } } : {}),
      ...(filter.trigger?.length ? { trigger: { in: filter.trigger } } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
    select: {
      id: true,
      status: true,
      trigger: true,
      itemsTotal: true,
      itemsSucceeded: true,
      itemsFailed: true,
      retries: true,
      createdAt: true,
      endedAt: true,
      scheduledFor: true,
      pipeline: { select: { slug: true, name: true } },
      pipelineVersion: { select: { version: true } },
    },
  });
  const last = rows.at(-1);
  return {
    runs: rows,
    nextCursor: last && rows.length === limit ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}

export interface RunBoard extends Omit<RunDetail, 'items'> {
  /** Item keys in item order. */
  keys: string[];
  /** One status letter per item (see STATUS_CODES). */
  itemStatus: string;
  /** One status letter per item and item step, item by item in the order of `itemSteps`. */
  cells: string;
  itemSteps: string[];
  /** Cells with more than one attempt: index into `cells` → attempts. */
  attempts: Record<number, number>;
}

/**
 * The run page's data in a compact form: a run of 5,000 items × 6 steps is ~100 KB instead of megabytes of
 * objects. Errors, logs and times of a cell come from runs.attempts when it is opened.
 */
export async function getRunBoard(
  db: Db,
  runId: string,
  temporal: { uiUrl: string; namespace: string },
): Promise<RunBoard> {
  const run = await loadRun(db, runId);
  const spec = specOf(run);
  const [items, latest] = await Promise.all([
    db.$queryRaw<
      { key: string; status: ItemStatus }[]
    >`SELECT key, status::text AS status FROM "ItemRun" WHERE "runId" = ${runId} ORDER BY ordinal`,
    // the latest attempt of every (item, step); attempt numbers run 1..n, so it is also the number of attempts
    db.$queryRaw<
      {
        itemKey: string;
        stepId: string;
        status: StepStatus;
        attempt: number;
        startedAt: Date;
        endedAt: Date | null;
        error: string | null;
      }[]
    >`
      SELECT DISTINCT ON ("itemKey", "stepId") "itemKey", "stepId", status::text AS status, attempt, "startedAt",\
 "endedAt",
        CASE WHEN "itemKey" = '' THEN error END AS error
      FROM "StepRun" WHERE "runId" = ${runId}
      ORDER BY "itemKey", "stepId", attempt DESC`,
  ]);
  const itemSteps = runnableSteps(spec.steps)
    .filter((s) => s.scope === 'item')
    .map((s) => s.id);
  const column = new Map(itemSteps.map((id, i) => [id, i]));
  const row = new Map(items.map((it, i) => [it.key, i]));
  const cells = new Array<string>(items.length * itemSteps.length).fill('p');
  const attempts: Record<number, number> = {};
  const stepCounts: Record<string, StepCounts> = {};
  const runSteps: Record<string, StepCell> = {};
  for (const s of latest) {
    if (s.itemKey === RUN_LEVEL_ITEM) {
      runSteps[s.stepId] = {
        status: s.status,
        attempts: s.attempt,
        error: s.error,
        startedMs: s.startedAt.getTime(),
        endedMs: s.endedAt?.getTime() ?? null,
      };
      continue;
    }
    const r = row.get(s.itemKey);
    const c = column.get(s.stepId);
    if (r === undefined || c === undefined) continue;
    const index = r * itemSteps.length + c;
    cells[index] = STATUS_CODES[s.status] ?? 'p';
    if (s.attempt > 1) attempts[index] = s.attempt;
    stepCounts[s.stepId] ??= {};
    const counts = stepCounts[s.stepId];
    counts[s.status] = (counts[s.status] ?? 0) + 1;
  }
  const counts: Partial<Record<ItemStatus, number>> = {};
  for (const it of items) counts[it.status] = (counts[it.status] ?? 0) + 1;
  const count = (status: ItemStatus) => counts[status] ?? 0;
  return {
    ...runHeader(run, spec, temporal, count),
    runSteps,
    stepCounts,
    keys: items.map((i) => i.key),
    itemStatus: items.map((i) => STATUS_CODES[i.status] ?? 'p').join(''),
    cells: cells.join(''),
    itemSteps,
    attempts,
  };
}
