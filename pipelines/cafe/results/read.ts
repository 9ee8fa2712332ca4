// What the recommendation backend reads from the results database: each dong's cafes with their representative
// images, descriptions, review summary and embeddings, each with the run, cell and model version that produced it;
// and an incremental feed of changes.
import type pg from 'pg';
import { AppError } from '~/server/errors';
import { type CursorKey, decodeCursor, encodeCursor } from '~/server/presenters/cursor';

export const MAX_PAGE = 200;

type Queryable = Pick<pg.Pool, 'query'>;

interface CafeRow {
  id: string;
  external_id: string;
  dong: string;
  name: string;
  address: string;
  run_id: string;
  step_id: string;
  disappeared_at: Date | null;
  updated_at: Date;
}
interface Lineage {
  run_id: string;
  step_id: string;
  model: string | null;
}
interface ImageRow extends Lineage {
  cafe_id: string;
  rank: number;
  uri: string;
  source_url: string;
  score: number;
  description: { text: string; run_id: string; step_id: string; model: string | null } | null;
}
interface SummaryRow extends Lineage {
  cafe_id: string;
  text: string;
  review_count: number;
}
interface EmbeddingRow extends Lineage {
  cafe_id: string;
  kind: 'image' | 'text';
  source_rank: number;
  dim: number;
  vector: number[];
}

const lineage = (row: Lineage) => ({ runId: row.run_id, stepId: row.step_id, model: row.model });

/** The cafes' images, summaries and embeddings, three queries for the whole page. */
async function present(db: Queryable, cafes: CafeRow[]) {
  const ids = cafes.map((c) => c.id);
  const [images, summaries, embeddings] = await Promise.all([
    db.query<ImageRow>(
      `SELECT i.cafe_id, i.rank, i.uri, i.source_url, i.score, i.run_id, i.step_id, i.model,
              CASE WHEN d.id IS NULL THEN NULL ELSE json_build_object(
                'text', d.text, 'run_id', d.run_id, 'step_id', d.step_id, 'model', d.model) END AS description
       FROM cafe_image i LEFT JOIN image_description d ON d.cafe_image_id = i.id
       WHERE i.cafe_id = ANY($1::uuid[]) ORDER BY i.rank`,
      [ids],
    ),
    db.query<SummaryRow>('SELECT * FROM review_summary WHERE cafe_id = ANY($1::uuid[])', [ids]),
    db.query<EmbeddingRow>('SELECT * FROM embedding WHERE cafe_id = ANY($1::uuid[]) ORDER BY kind, source_rank', [ids]),
  ]);
  const byCafe = <T extends { cafe_id: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.cafe_id, [...(map.get(row.cafe_id) ?? []), row]);
    return map;
  };
  const imagesOf = byCafe(images.rows);
  const summaryOf = new Map(summaries.rows.map((s) => [s.cafe_id, s]));
  const embeddingsOf = byCafe(embeddings.rows);
  return cafes.map((c) => {
    const summary = summaryOf.get(c.id);
    return {
      id: c.external_id,
      dong: c.dong,
      name: c.name,
      address: c.address,
      updatedAt: c.updated_at,
      /** no longer found by the latest run that processed its dong */
      disappeared: c.disappeared_at !== null,
      lineage: { runId: c.run_id, stepId: c.step_id },
      images: (imagesOf.get(c.id) ?? []).map((i) => ({
        rank: i.rank,
        uri: i.uri,
        sourceUrl: i.source_url,
        score: i.score,
        lineage: lineage(i),
        description: i.description ? { text: i.description.text, lineage: lineage(i.description) } : null,
      })),
      reviewSummary: summary
        ? { text: summary.text, reviewCount: summary.review_count, lineage: lineage(summary) }
        : null,
      embeddings: (embeddingsOf.get(c.id) ?? []).map((e) => ({
        kind: e.kind,
        sourceRank: e.source_rank,
        dim: e.dim,
        vector: e.vector,
        lineage: lineage(e),
      })),
    };
  });
}

export type CafeResult = Awaited<ReturnType<typeof present>>[number];

export async function listDongs(db: Queryable) {
  const { rows } = await db.query<{ dong: string; cafes: number; updatedAt: Date }>(
    `SELECT dong, count(*)::int AS cafes, max(updated_at) AS "updatedAt"
     FROM cafe WHERE disappeared_at IS NULL GROUP BY dong ORDER BY dong`,
  );
  return rows;
}

export async function dongResults(db: Queryable, dong: string) {
  const { rows } = await db.query<CafeRow>(
    'SELECT * FROM cafe WHERE dong = $1 AND disappeared_at IS NULL ORDER BY updated_at, id',
    [dong],
  );
  if (rows.length === 0) throw AppError.notFound(`results for dong ${dong}`);
  return { dong, cafes: await present(db, rows) };
}

/** The position a cursor names; a cursor this API did not return is a 400 (checked before any database call). */
export const cursorPosition = (cursor: string | undefined): CursorKey | null => (cursor ? decodeCursor(cursor) : null);

/** Cafes changed after the cursor, oldest change first; pass nextCursor back to continue. */
export async function changedSince(db: Queryable, input: { cursor?: string; limit?: number }) {
  const limit = Math.min(Math.max(input.limit ?? 100, 1), MAX_PAGE);
  const after = cursorPosition(input.cursor);
  const { rows } = after
    ? await db.query<CafeRow>(
        'SELECT * FROM cafe WHERE (updated_at, id) > ($1, $2::uuid) ORDER BY updated_at, id LIMIT $3',
        [after.at, after.id, limit],
      )
    : await db.query<CafeRow>('SELECT * FROM cafe ORDER BY updated_at, id LIMIT $1', [limit]);
  const last = rows.at(-1);
  return {
    cafes: await present(db, rows),
    nextCursor: last ? encodeCursor({ at: last.updated_at, id: last.id }) : (input.cursor ?? null),
    hasMore: rows.length === limit,
  };
}
