// The stack a benchmark runs on: its own embedded Postgres (migrated) and Temporal dev server in a temporary
// directory, the workflow bundle, and the environment a worker process needs to join them.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deployMigrations } from '~/stack/migrate';
import { startEmbeddedPostgres } from '~/stack/postgres';
import { freePort, startTemporalServer } from '~/stack/temporal-server';
import { writeWorkflowBundle } from '~/workers/workflow-bundle';

export async function startBenchStack() {
  // a throwaway database: fsync off unless BREWLINE_PG_FAST=0 asks to measure the durable default
  process.env.BREWLINE_PG_FAST ??= '1';
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'brewline-bench-'));
  await chmod(tmp, 0o755);
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [pg, server] = await Promise.all([
    startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port: pgPort, database: 'bench' }),
    startTemporalServer({ port: temporalPort }),
  ]);
  const bundle = path.join(tmp, 'bundle.js');
  await Promise.all([deployMigrations(pg.url), writeWorkflowBundle(bundle)]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: server.address,
    BREWLINE_DATA_DIR: path.join(tmp, 'data'),
    BREWLINE_WORKFLOW_BUNDLE: bundle,
  };
  return {
    tmp,
    env,
    async stop() {
      await server.stop();
      await pg.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
