// Opaque keyset cursors: a timestamp and an id, so pages stay stable while rows are added.
import { AppError } from '~/server/errors';

export interface CursorKey {
  at: Date;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(`${key.at.toISOString()}|${key.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  if (!id || Number.isNaN(at.getTime()))
    throw AppError.badRequest('The cursor is invalid', [
      { path: ['cursor'], message: 'is not a cursor this API returned' },
    ]);
  return { at, id };
}
