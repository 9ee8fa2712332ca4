// Opaque keyset cursors: a timestamp and an id, so pages stay stable while rows are added.
import { MAX_DATE, MIN_DATE } from '~/common/limits';
import { AppError } from '~/server/errors';

export interface CursorKey {
  at: Date;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(`${key.at.toISOString()}|${key.id}`).toString('base64url');
}

/** Ids are uuids; a date outside 1970 to 9999, which no row has, would reach Postgres as an out-of-range value. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string): CursorKey {
  const [iso, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  if (!id || !ID.test(id) || rest.length || !(at >= MIN_DATE && at <= MAX_DATE))
    throw AppError.badRequest('The cursor is invalid', [
      { path: ['cursor'], message: 'is not a cursor this API returned' },
    ]);
  return { at, id };
}
