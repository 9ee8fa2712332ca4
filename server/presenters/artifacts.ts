// Read models of artifacts: the files of a run's step attempts, listed per step run, one file's content for the
// portal (text and JSON as text, images as data; anything else by its download URL), and one file's bytes.
import type { Readable } from 'node:stream';
import { RUN_LEVEL_ITEM } from '~/common/run-contract';
import { formatBytes } from '~/common/step-output';
import { ArtifactNotFoundError, type ArtifactStore } from '~/server/artifacts/store';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';

export interface ArtifactRow {
  id: string;
  itemKey: string;
  stepId: string;
  attempt: number;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  /** The bytes, for a signed-in browser or a token holder: GET with the session cookie or a bearer token. */
  url: string;
}

export const ARTIFACT_PAGE = 500;
/** Largest file `artifact` returns inline; bigger ones are fetched from their URL. */
export const INLINE_MAX_BYTES = 2 * 1024 * 1024;

export function artifactUrl(id: string): string {
  return `/api/artifacts/${id}`;
}

export async function listArtifacts(
  db: Db,
  input: { runId: string; itemKey?: string; stepId?: string; attempt?: number },
): Promise<ArtifactRow[]> {
  const run = await db.run.findUnique({ where: { id: input.runId }, select: { id: true } });
  if (!run) throw AppError.notFound(`run ${input.runId}`);
  const rows = await db.artifact.findMany({
    where: {
      runId: input.runId,
      ...(input.itemKey !== undefined ? { itemKey: input.itemKey } : {}),
      ...(input.stepId ? { stepId: input.stepId } : {}),
      ...(input.attempt ? { attempt: input.attempt } : {}),
    },
    orderBy: [{ itemKey: 'asc' }, { stepId: 'asc' }, { attempt: 'desc' }, { name: 'asc' }],
    take: ARTIFACT_PAGE,
  });
  return rows.map(toRow);
}

function toRow(r: Awaited<ReturnType<typeof artifactRecord>>): ArtifactRow {
  return {
    id: r.id,
    itemKey: r.itemKey,
    stepId: r.stepId,
    attempt: r.attempt,
    name: r.name,
    size: Number(r.size),
    sha256: r.sha256,
    contentType: r.contentType,
    url: artifactUrl(r.id),
  };
}

export async function artifactRecord(db: Db, id: string) {
  const row = await db.artifact.findUnique({ where: { id } });
  if (!row) throw AppError.notFound(`artifact ${id}`);
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One artifact's record and its stored bytes, for the download URL (`/api/artifacts/<id>`). */
export async function openArtifact(
  db: Db,
  store: ArtifactStore,
  id: string,
): Promise<{ artifact: ArtifactRow; body: Readable }> {
  if (!UUID.test(id)) throw AppError.notFound(`artifact ${id}`);
  const row = await artifactRecord(db, id);
  try {
    return { artifact: toRow(row), body: await store.open(row.uri) };
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw new AppError('NOT_FOUND', err.message, [], { cause: err });
    throw err;
  }
}

const isText = (type: string) =>
  type.startsWith('text/') || type === 'application/json' || type === 'application/x-ndjson';

export type ArtifactContent =
  | { kind: 'text'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'image'; dataUrl: string }
  | { kind: 'download'; reason: string };

/** One artifact with its content, ready to show. */
export async function readArtifact(
  db: Db,
  store: ArtifactStore,
  id: string,
): Promise<ArtifactRow & { where: string; content: ArtifactContent }> {
  const row = await artifactRecord(db, id);
  const base = toRow(row);
  const where =
    row.itemKey === RUN_LEVEL_ITEM ? `run-level step "${row.stepId}"` : `item "${row.itemKey}", step "${row.stepId}"`;
  const showable = isText(row.contentType) || row.contentType.startsWith('image/');
  if (!showable)
    return { ...base, where, content: { kind: 'download', reason: `${row.contentType} is not shown inline` } };
  if (Number(row.size) > INLINE_MAX_BYTES)
    return {
      ...base,
      where,
      content: { kind: 'download', reason: `${formatBytes(Number(row.size))} is too large to show inline` },
    };
  const bytes = await readAll(store, row.uri);
  if (row.contentType.startsWith('image/'))
    return {
      ...base,
      where,
      content: { kind: 'image', dataUrl: `data:${row.contentType};base64,${bytes.toString('base64')}` },
    };
  const text = bytes.toString('utf8');
  if (row.contentType === 'application/json') {
    try {
      return { ...base, where, content: { kind: 'json', value: JSON.parse(text) as unknown } };
    } catch {
      // shown as text when it does not parse
    }
  }
  return { ...base, where, content: { kind: 'text', text } };
}

async function readAll(store: ArtifactStore, uri: string): Promise<Buffer> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.open(uri)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw AppError.notFound(`the stored file (${err.message})`);
    throw err;
  }
}
