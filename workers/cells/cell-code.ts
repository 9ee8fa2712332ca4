// A worker reads a code cell's source by its hash (CellSource) once, then from memory: the code of a hash never
// changes, and a run's thousand items share it.
import type { Db } from '~/server/db';

const KEPT = 256;

export function cellCodeLookup(db: Db): (hash: string) => Promise<string | undefined> {
  const known = new Map<string, string>();
  return async (hash) => {
    const hit = known.get(hash);
    if (hit !== undefined) return hit;
    const row = await db.cellSource.findUnique({ where: { hash } });
    if (!row) return undefined;
    if (known.size >= KEPT) known.delete(known.keys().next().value!);
    known.set(hash, row.code);
    return row.code;
  };
}
