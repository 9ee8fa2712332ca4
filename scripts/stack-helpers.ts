import { mkdirSync } from 'node:fs';
import { EMBEDDED } from '../stack/embedded';
import { startEmbeddedPostgres } from '../stack/postgres';

/** Runs `fn` with DATABASE_URL, or with the embedded database started for the duration. */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return fn(process.env.DATABASE_URL);
  mkdirSync(EMBEDDED.postgresDir, { recursive: true });
  const pg = await startEmbeddedPostgres({
    dir: EMBEDDED.postgresDir,
    port: EMBEDDED.postgresPort,
    database: EMBEDDED.database,
  });
  try {
    return await fn(pg.url);
  } finally {
    await pg.stop();
  }
}
