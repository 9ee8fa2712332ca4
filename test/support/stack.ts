// Per-test-file access to the suite's real Postgres and Temporal server, with task queues of its own.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { inject } from 'vitest';
import type { QueueName } from '~/common/queues';
import { isTerminalRun } from '~/common/statuses';
import { createCaller } from '~/server/api/root';
import { SCOPES, type Actor, type Role } from '~/server/auth/actor';
import { createDb, type Db } from '~/server/db';
import { loadConfig, type AppConfig } from '~/server/env';
import { createTemporalClient } from '~/server/temporal/client';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { triggerRun, type TriggerRunInput } from '~/server/services/runs/trigger-run';
import type { Builtin } from '~/workers/activities/builtins/types';
import { createWorkers, type WorkerSet } from '~/workers/worker';

export interface TestContext {
  config: AppConfig;
  /** Environment a separate worker process needs to join this test's queues. */
  env: Record<string, string>;
  db: Db;
  temporal: () => Promise<Client>;
  startWorkers(opts?: {
    queues?: QueueName[];
    gpuSlots?: number;
    builtins?: Record<string, Builtin>;
  }): Promise<WorkerSet>;
  register(spec: unknown): Promise<void>;
  trigger(input: TriggerRunInput): Promise<string>;
  waitForRun(runId: string, timeoutMs?: number): Promise<Awaited<ReturnType<Db['run']['findUniqueOrThrow']>>>;
  /** The API as a signed-in user of this role (all scopes), or as the given actor. */
  api(who?: Role | Actor): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export async function testContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const stack = inject('stack');
  const env = {
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    BREWLINE_TASK_QUEUE_PREFIX: `t-${randomUUID().slice(0, 8)}-`,
    BREWLINE_DATA_DIR: path.join(stack.tmpDir, 'data'),
    BREWLINE_WORKFLOW_BUNDLE: stack.workflowBundle,
    BREWLINE_WORKER_LOG_LEVEL: 'ERROR',
    ...overrides,
  };
  const config = loadConfig(env);
  const db = createDb(config.databaseUrl, 20);
  let client: Promise<Client> | undefined;
  const temporal = () => (client ??= createTemporalClient(config.temporal));
  const bundle = { code: await readFile(stack.workflowBundle, 'utf8') };
  const running: { set: WorkerSet; done: Promise<void> }[] = [];

  return {
    config,
    env,
    db,
    temporal,
    async startWorkers(opts = {}) {
      const set = await createWorkers({
        config: { ...config, gpuSlots: opts.gpuSlots ?? config.gpuSlots },
        db,
        queues: opts.queues ?? ['cpu', 'gpu'],
        workflowBundle: bundle,
        builtins: opts.builtins,
      });
      running.push({ set, done: set.run() });
      return set;
    },
    async register(spec) {
      await registerPipeline(db, spec);
    },
    async trigger(input) {
      const { runId } = await triggerRun({ db, temporal, config }, input);
      return runId;
    },
    async waitForRun(runId, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
        if (isTerminalRun(run.status)) return run;
        if (Date.now() > deadline) {
          const items = await db.itemRun.groupBy({ by: ['status'], where: { runId }, _count: { _all: true } });
          const steps = await db.stepRun.findMany({ where: { runId }, orderBy: { startedAt: 'desc' }, take: 5 });
          // a step row's artifactBytes is a BigInt, which JSON.stringify refuses
          const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x));
          throw new Error(
            `run ${runId} still ${run.status} after ${timeoutMs} ms; items ${json(items)}; latest steps ${json(steps)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    api(who = 'editor') {
      const actor: Actor =
        typeof who === 'string'
          ? { kind: 'user', id: `test-${who}`, name: `${who} user`, role: who, scopes: SCOPES }
          : who;
      return createCaller({ db, temporal, config, actor });
    },
    async close() {
      for (const r of running) r.set.shutdown();
      await Promise.all(running.map((r) => r.done));
      if (client) await (await client).connection.close();
      await db.$disconnect();
    },
  };
}

export const sampleCrawlDir = path.resolve('pipelines/cafe/sample/crawl');
