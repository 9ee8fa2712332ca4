// Read models of runs: the run page's header, its steps, and every item's latest attempt per step.
import type { PipelineSpec } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM } from '~/common/run-contract';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { decodeCursor, encodeCursor } from './cursor';

export interface StepCell {
  status: string;
  attempts: number;
  error: string | null;
  startedAt: Date;
  endedAt: Date | null;
}

export interface RunDetail {
  id: string;
  pipeline: { slug: string; name: string; version: number };
  status: string;
  trigger: string;
  params: unknown;
  error: string | null;
  counts: { total: number; succeeded: number; failed: number; running: number; pending: number };
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  workflowId: string;
  temporalUiUrl: string;
  steps: { id: string; title: string; queue: string; scope: string }[];
  items: { key: string; status: string; error: string | null; steps: Record<string, StepCell> }[];
  runSteps: Record<string, StepCell>;
}

export async function getRunDetail(db: Db, runId: string, temporal: { uiUrl: string; namespace: string }): Promise<RunDetail> {
  const run = await db.run.findUnique({ where: { id: runId }, include: { pipeline: true, pipelineVersion: true } });
  if (!run) throw AppError.notFound(`run ${runId}`);
  const spec = run.pipelineVersion.spec as unknown as PipelineSpec;
  const [items, latest, attempts, statusCounts] = await Promise.all([
    db.itemRun.findMany({ where: { runId }, orderBy: { ordinal: 'asc' }, select: { key: true, status: true, error: true } }),
    // the latest attempt of every (item, step)
    db.$queryRaw<{ itemKey: string; stepId: string; status: string; error: string | null; startedAt: Date; endedAt: Date | null; attempt: number }[]>`
      SELECT DISTINCT ON ("itemKey", "stepId") "itemKey", "stepId", status::text AS status, error, "startedAt", "endedAt", attempt
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
      error: s.error,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
    };
  }
  const count = (status: string) => statusCounts.find((c) => c.status === status)?._count._all ?? 0;
  return {
    id: run.id,
    pipeline: { slug: run.pipeline.slug, name: run.pipeline.name, version: run.pipelineVersion.version },
    status: run.status,
    trigger: run.trigger,
    params: run.params,
    error: run.error,
    counts: { total: run.itemsTotal, succeeded: count('succeeded'), failed: count('failed'), running: count('running'), pending: count('pending') },
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    workflowId: run.workflowId,
    temporalUiUrl: `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(run.workflowId)}`,
    steps: spec.steps.map((s) => ({ id: s.id, title: s.title ?? s.id, queue: s.queue, scope: s.scope })),
    items: items.map((i) => ({ key: i.key, status: i.status, error: i.error, steps: cells.get(i.key) ?? {} })),
    runSteps: cells.get(RUN_LEVEL_ITEM) ?? {},
  };
}

export interface ListRunsFilter {
  pipelineSlug?: string;
  status?: string[];
  trigger?: string[];
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
      ...(filter.status?.length ? { status: { in: filter.status as never[] } } : {}),
      ...(filter.trigger?.length ? { trigger: { in: filter.trigger as never[] } } : {}),
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
  return { runs: rows, nextCursor: last && rows.length === limit ? encodeCursor({ at: last.createdAt, id: last.id }) : null };
}
