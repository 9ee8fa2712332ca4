// The sample cafe pipeline, end to end on the real Temporal server and Postgres.
import { chmod, cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { runSharedDir } from '~/workers/activities/step-dirs';
import { maxOverlap } from '../support/intervals';
import { testContext, type TestContext } from '../support/stack';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';

let t: TestContext;
/** Source data on a disk the admin shares with the steps (BREWLINE_STEP_SHARED_DIRS), as a team's crawl store. */
let sourceRoot: string;
beforeAll(async () => {
  sourceRoot = await mkdtemp(path.join(os.tmpdir(), 'cafe-sources-'));
  await chmod(sourceRoot, 0o755);
  t = await testContext({ GPU_SLOTS: '1', BREWLINE_STEP_SHARED_DIRS: sourceRoot });
  await t.register(cafeMonthly);
  await t.startWorkers();
});
afterAll(() => t.close());

describe('cafe-monthly on the sample', () => {
  let runId: string;

  it('processes every dong and loads its results into the cafe tables', async () => {
    runId = await t.trigger({ pipelineSlug: 'cafe-monthly' });
    const run = await t.waitForRun(runId);
    expect(run.status).toBe('succeeded');
    expect(run.itemsTotal).toBe(DONGS.length);
    expect(run.itemsSucceeded).toBe(DONGS.length);

    const items = await t.db.itemRun.findMany({ where: { runId } });
    expect(items.map((i) => i.status)).toEqual(DONGS.map(() => 'succeeded'));

    for (const dong of DONGS) {
      const cafes = await t.db.cafe.findMany({
        where: { dong, disappearedAt: null },
        include: { images: { include: { description: true } }, summary: true, embeddings: true },
      });
      expect(cafes.length, dong).toBeGreaterThanOrEqual(3);
      for (const cafe of cafes) {
        expect(cafe.runId).toBe(runId);
        expect(cafe.images).toHaveLength(5);
        expect(
          cafe.images.every((i) => i.stepId === 'representative-images' && i.description?.stepId === 'describe-images'),
        ).toBe(true);
        expect(cafe.summary?.stepId).toBe('summarise-reviews');
        expect(cafe.summary?.model).toBe('review-summariser@1');
        expect(cafe.embeddings).toHaveLength(6);
        expect(
          cafe.embeddings.every(
            (e) => e.dim === 32 && e.vector.length === 32 && e.stepId === 'embed' && e.model === 'siglip@1',
          ),
        ).toBe(true);
      }
    }
  });

  it('records every step of every dong, and the run-level publish step', async () => {
    const steps = await t.db.stepRun.findMany({ where: { runId } });
    const perItem = steps.filter((s) => s.itemKey !== '');
    expect(perItem).toHaveLength(DONGS.length * 7);
    expect(perItem.every((s) => s.status === 'succeeded' && s.attempt === 1 && s.endedAt)).toBe(true);
    expect(steps.find((s) => s.stepId === 'publish')?.log).toMatch(
      /loaded \d+ cafes in 12 dongs; \d+ cafes no longer found were marked disappeared/,
    );
    expect(perItem.find((s) => s.stepId === 'download-images')?.log).toMatch(/downloaded \d+ images/);
  });

  it('never runs more GPU steps at once than GPU_SLOTS', async () => {
    const gpu = await t.db.stepRun.findMany({ where: { runId, queue: t.config.taskQueues.gpu } });
    expect(gpu).toHaveLength(DONGS.length * 4);
    expect(maxOverlap(gpu.map((s) => [s.startedAt.getTime(), s.endedAt!.getTime()]))).toBe(1);
  });

  it('streams: the first dong is loaded before the last dong has even been crawled', async () => {
    const id = await t.trigger({ pipelineSlug: 'cafe-monthly', params: { crawlDelayMs: 700 } });
    const run = await t.waitForRun(id);
    expect(run.status).toBe('succeeded');
    const firstLoaded = await t.db.stepRun.findFirstOrThrow({
      where: { runId: id, itemKey: DONGS[0], stepId: 'load', status: 'succeeded' },
    });
    const lastCrawled = (await stat(path.join(runSharedDir(t.config.dataDir, id), 'crawl', `${DONGS.at(-1)}.json`)))
      .mtime;
    expect(firstLoaded.endedAt!.getTime()).toBeLessThan(lastCrawled.getTime());
    // and the recommendation backend could already read it then
    const cafe = await t.db.cafe.findFirstOrThrow({ where: { dong: DONGS[0], runId: id } });
    expect(cafe.updatedAt.getTime()).toBeLessThan(lastCrawled.getTime());
  });

  it('fails only the dong with malformed input, without retrying it; the run ends partially failed', async () => {
    const crawlDir = await mkdtemp(path.join(sourceRoot, 'crawl-'));
    await chmod(crawlDir, 0o755);
    await cp(path.resolve('pipelines/cafe/sample/crawl'), crawlDir, { recursive: true });
    await writeFile(path.join(crawlDir, '합정동.json'), '{"dong": "합정동", "cafes": [ {"id": ');
    const id = await t.trigger({ pipelineSlug: 'cafe-monthly', params: { sourceDir: crawlDir } });
    const run = await t.waitForRun(id);
    expect(run.status).toBe('partially_failed');
    expect(run.itemsFailed).toBe(1);
    expect(run.itemsSucceeded).toBe(DONGS.length - 1);

    const bad = await t.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId: id, key: '합정동' } } });
    expect(bad.status).toBe('failed');
    expect(bad.error).toContain('합정동');
    expect(bad.error).toContain('download-images');
    expect(bad.error).toMatch(/malformed JSON/);
    const attempts = await t.db.stepRun.findMany({
      where: { runId: id, itemKey: '합정동', stepId: 'download-images' },
    });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, status: 'failed' });
  });
});
