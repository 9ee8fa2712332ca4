// What the recommendation backend reads: each dong's cafes with their representative images, descriptions,
// review summary and embeddings, each with the run and model version that produced it; and an incremental feed.
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { decodeCursor, encodeCursor } from './cursor';

export const MAX_PAGE = 200;

const cafeInclude = {
  images: { orderBy: { rank: 'asc' as const }, include: { description: true } },
  summary: true,
  embeddings: { orderBy: [{ kind: 'asc' as const }, { sourceRank: 'asc' as const }] },
};

type CafeRow = Awaited<ReturnType<typeof loadCafes>>[number];
const loadCafes = (db: Db, where: object, take?: number) =>
  db.cafe.findMany({ where, include: cafeInclude, orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }], take });

function present(c: CafeRow) {
  return {
    id: c.externalId,
    dong: c.dong,
    name: c.name,
    address: c.address,
    updatedAt: c.updatedAt,
    /** no longer found by the latest run that processed its dong */
    disappeared: c.disappearedAt !== null,
    lineage: { runId: c.runId, stepId: c.stepId },
    images: c.images.map((i) => ({
      rank: i.rank,
      uri: i.uri,
      sourceUrl: i.sourceUrl,
      score: i.score,
      lineage: { runId: i.runId, stepId: i.stepId, model: i.model },
      description: i.description
        ? {
            text: i.description.text,
            lineage: { runId: i.description.runId, stepId: i.description.stepId, model: i.description.model },
          }
        : null,
    })),
    reviewSummary: c.summary
      ? {
          text: c.summary.text,
          reviewCount: c.summary.reviewCount,
          lineage: { runId: c.summary.runId, stepId: c.summary.stepId, model: c.summary.model },
        }
      : null,
    embeddings: c.embeddings.map((e) => ({
      kind: e.kind,
      sourceRank: e.sourceRank,
      dim: e.dim,
      vector: e.vector,
      lineage: { runId: e.runId, stepId: e.stepId, model: e.model },
    })),
  };
}

export async function listDongs(db: Db) {
  const rows = await db.cafe.groupBy({
    by: ['dong'],
    where: { disappearedAt: null },
    _count: { _all: true },
    _max: { updatedAt: true },
    orderBy: { dong: 'asc' },
  });
  return rows.map((r) => ({ dong: r.dong, cafes: r._count._all, updatedAt: r._max.updatedAt }));
}

export async function dongResults(db: Db, dong: string) {
  const cafes = await loadCafes(db, { dong, disappearedAt: null });
  if (cafes.length === 0) throw AppError.notFound(`results for dong ${dong}`);
  return { dong, cafes: cafes.map(present) };
}

/** Cafes changed after the cursor, oldest change first; pass nextCursor back to continue. */
export async function changedSince(db: Db, input: { cursor?: string; limit?: number }) {
  const limit = Math.min(Math.max(input.limit ?? 100, 1), MAX_PAGE);
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const where = after ? { OR: [{ updatedAt: { gt: after.at } }, { updatedAt: after.at, id: { gt: after.id } }] } : {};
  const rows = await loadCafes(db, where, limit);
  const last = rows.at(-1);
  return {
    cafes: rows.map(present),
    nextCursor: last ? encodeCursor({ at: last.updatedAt, id: last.id }) : (input.cursor ?? null),
    hasMore: rows.length === limit,
  };
}
