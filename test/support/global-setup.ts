// Starts the real parts once for the whole suite: an embedded Postgres (migrated) and a Temporal dev server,
// and bundles the workflow code. Tests get their addresses through inject('stack').
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCafeModels, registerCafeModels } from '../../pipelines/cafe/models';
import { createDb } from '../../server/db';
import { deployMigrations } from '../../stack/migrate';
import { startEmbeddedPostgres } from '../../stack/postgres';
import { freePort, startTemporalServer } from '../../stack/temporal-server';
import { writeWorkflowBundle } from '../../workers/workflow-bundle';

export interface TestStack {
  databaseUrl: string;
  temporalAddress: string;
  workflowBundle: string;
  tmpDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

export default async function setup(project: TestProject) {
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'brewline-test-'));
  // as root, embedded Postgres runs as a separate system user that must reach its data directory
  await chmod(tmpDir, 0o755);
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const started = Date.now();
  // a throwaway database: fsync off (BREWLINE_PG_FAST=0 runs the suite on the durable default)
  process.env.BREWLINE_PG_FAST ??= '1';
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({ dir: path.join(tmpDir, 'postgres'), port: pgPort, database: 'brewline_test' }),
    startTemporalServer({ port: temporalPort }),
  ]);
  await deployMigrations(pg.url);
  // the cafe models (tiny, built from configs), registered once for every test file
  const db = createDb(pg.url);
  await registerCafeModels(db, buildCafeModels(path.join(tmpDir, 'models')), 'test');
  await db.$disconnect();
  const workflowBundle = path.join(tmpDir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundle);
  console.log(`test stack ready in ${Date.now() - started} ms: postgres :${pgPort}, temporal ${temporal.address}`);
  project.provide('stack', { databaseUrl: pg.url, temporalAddress: temporal.address, workflowBundle, tmpDir });
  return async () => {
    await temporal.stop();
    await pg.stop();
    await rm(tmpDir, { recursive: true, force: true });
  };
}
