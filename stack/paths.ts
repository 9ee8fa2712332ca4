import os from 'node:os';
import path from 'node:path';

/** Project-local state of the embedded stack (database files, Temporal's SQLite file, run outputs). */
export const DATA_DIR = path.resolve(process.env.BREWLINE_DATA_DIR ?? '.data');

/** Machine-wide cache outside the repository, shared by clones, later sessions and CI. */
export function cacheDir(): string {
  if (process.env.BREWLINE_CACHE_DIR) return path.resolve(process.env.BREWLINE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'brewline');
}
