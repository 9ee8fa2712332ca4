// A worker killed mid-run (SIGKILL) and started again: the run completes and each dong has one result set.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { dongResults } from '~/pipelines/cafe/results/read';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { testContext, type TestContext } from '../support/stack';
import { startWorkerProcess, stopProcess } from '../support/worker-process';

let t: TestContext;
let results: CafeResults;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  t = await testContext({ GPU_SLOTS: '1', ...cafeSecretKey() });
  results = await cafeResults(t);
  // a dead worker is noticed after 2 s without heartbeats instead of the default minute
  await t.register({
    ...cafeMonthly,
    slug: 'cafe-monthly-crash',
    steps: cafeMonthly.steps.map((s) =>
      s.kind === 'markdown' ? s : { ...s, timeouts: { startToCloseMs: 60_000, heartbeatMs: 2_000 } },
    ),
  });
});
afterAll(async () => {
  if (worker) await stopProcess(worker);
  await results?.close();
  await t.close();
});

it('survives a SIGKILLed worker: the run completes and every dong has exactly one result set', async () => {
  worker = await startWorkerProcess(t.env);
  const runId = await t.trigger({ pipelineSlug: 'cafe-monthly-crash' });

  // kill while a GPU step is in flight and some dongs are done
  for (;;) {
    const [done, runningGpu] = await Promise.all([
      t.db.itemRun.count({ where: { runId, status: 'succeeded' } }),
      t.db.stepRun.count({ where: { runId, status: 'running', queue: t.config.taskQueues.gpu } }),
    ]);
    if (done >= 2 && runningGpu > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await stopProcess(worker, 'SIGKILL');
  const doneAtKill = await t.db.itemRun.count({ where: { runId, status: 'succeeded' } });
  expect(doneAtKill).toBeLessThan(DONGS.length);

  worker = await startWorkerProcess(t.env);
  const run = await t.waitForRun(runId, 150_000);
  expect(run.status).toBe('succeeded');
  expect(run.itemsSucceeded).toBe(DONGS.length);

  // the attempt that was running when the worker died is marked lost and a later attempt finished the step
  const lost = await t.db.stepRun.findMany({ where: { runId, status: 'lost' } });
  expect(lost.length).toBeGreaterThanOrEqual(1);
  for (const l of lost) {
    const next = await t.db.stepRun.findFirst({
      where: { runId, itemKey: l.itemKey, stepId: l.stepId, attempt: { gt: l.attempt }, status: 'succeeded' },
    });
    expect(next, `${l.itemKey}/${l.stepId}`).not.toBeNull();
  }

  for (const dong of DONGS) {
    const crawl = JSON.parse(await readFile(path.resolve('pipelines/cafe/sample/crawl', `${dong}.json`), 'utf8'));
    const { cafes } = await dongResults(results.pool, dong);
    expect(cafes.length, dong).toBe(crawl.cafes.length);
    for (const cafe of cafes) {
      expect(cafe.lineage.runId).toBe(runId);
      expect(cafe.images.map((i) => i.rank).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(cafe.reviewSummary?.lineage.runId).toBe(runId);
      expect(cafe.embeddings).toHaveLength(6);
    }
  }
});
