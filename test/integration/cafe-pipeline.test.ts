// The sample cafe pipeline, a notebook of Python cells, end to end on the real Temporal server and Postgres: its
// results land in the team's own results database, written by its load cell through the cafe-results connection.
import { chmod, cp, mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { runSharedDir } from '~/workers/activities/step-dirs';
import { dongResults } from '~/pipelines/cafe/results/read';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { maxOverlap } from '../support/intervals';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let results: CafeResults;
/** Source data on a disk the admin shares with the steps (BREWLINE_STEP_SHARED_DIRS), as a team's crawl store. */
let sourceRoot: string;
beforeAll(async () => {
  sourceRoot = await mkdtemp(path.join(os.tmpdir(), 'cafe-sources-'));
  await chmod(sourceRoot, 0o755);
  t = await testContext({ GPU_SLOTS: '1', BREWLINE_STEP_SHARED_DIRS: sourceRoot, ...cafeSecretKey() });
  results = await cafeResults(t);
  await t.register(cafeMonthly);
  await t.startWorkers();
});
afterAll(async () => {
  await results?.close();
  await t.close();
});

describe('cafe-monthly on the sample', () => {
  let runId: string;

  it("processes every dong and loads its results into the team's results database", async () => {
    runId = await t.trigger({ pipelineSlug: 'cafe-monthly' });
    // 12 dongs of 6 Python cells each, their 48 model cells one at a time (one GPU slot)
    const run = await t.waitForRun(runId, 170_000);
    expect(run.status).toBe('succeeded');
    expect(run.itemsTotal).toBe(DONGS.length);
    expect(run.itemsSucceeded).toBe(DONGS.length);

    const items = await t.db.itemRun.findMany({ where: { runId } });
    expect(items.map((i) => i.status)).toEqual(DONGS.map(() => 'succeeded'));

    for (const dong of DONGS) {
      const { cafes } = await dongResults(results.pool, dong);
      expect(cafes.length, dong).toBeGreaterThanOrEqual(3);
      for (const cafe of cafes) {
        expect(cafe.lineage).toEqual({ runId, stepId: 'download-images' });
        expect(cafe.images).toHaveLength(5);
        expect(
          cafe.images.every(
            (i) =>
              i.lineage.stepId === 'representative-images' &&
              i.lineage.model === 'clip-representative@1' &&
              i.description?.lineage.stepId === 'describe-images' &&
              i.description.lineage.model === 'vlm-captioner@1',
          ),
        ).toBe(true);
        expect(cafe.reviewSummary?.lineage).toEqual({
          runId,
          stepId: 'summarise-reviews',
          model: 'review-summariser@1',
        });
        expect(cafe.embeddings).toHaveLength(6);
        expect(
          cafe.embeddings.every(
            (e) =>
              e.dim === 32 && e.vector.length === 32 && e.lineage.stepId === 'embed' && e.lineage.model === 'siglip@1',
          ),
        ).toBe(true);
      }
    }
    // the platform's database holds no cafe table: the results are the team's
    const platformTables = await t.db.$queryRaw<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_name ILIKE '%cafe%'`;
    expect(platformTables).toEqual([]);
  });

  it('records every step of every dong, and the run-level publish step', async () => {
    const steps = await t.db.stepRun.findMany({ where: { runId } });
    const perItem = steps.filter((s) => s.itemKey !== '');
    // the sensor and six Python cells per dong; the Markdown cells run nothing
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
    // three dongs crawled 5 s apart: each dong's six cells (a Python process each) fit between two crawls
    const dongs = DONGS.slice(0, 3);
    const dongsFile = path.join(sourceRoot, 'streamed-dongs.json');
    await writeFile(dongsFile, JSON.stringify(dongs));
    const id = await t.trigger({ pipelineSlug: 'cafe-monthly', params: { dongsFile, crawlDelayMs: 5_000 } });
    const run = await t.waitForRun(id);
    expect(run.status).toBe('succeeded');
    const firstLoaded = await t.db.stepRun.findFirstOrThrow({
      where: { runId: id, itemKey: dongs[0], stepId: 'load', status: 'succeeded' },
    });
    const lastCrawled = (await stat(path.join(runSharedDir(t.config.dataDir, id), 'crawl', `${dongs.at(-1)}.json`)))
      .mtime;
    expect(firstLoaded.endedAt!.getTime()).toBeLessThan(lastCrawled.getTime());
    // and the recommendation backend could already read it then
    const { rows } = await results.pool.query<{ updated_at: Date }>(
      'SELECT updated_at FROM cafe WHERE dong = $1 AND run_id = $2 LIMIT 1',
      [dongs[0], id],
    );
    expect(rows[0]!.updated_at.getTime()).toBeLessThan(lastCrawled.getTime());
  });

  it('fails only the dong with malformed input, without retrying it; the run ends partially failed', async () => {
    const crawlDir = await mkdtemp(path.join(sourceRoot, 'crawl-'));
    await chmod(crawlDir, 0o755);
    await cp(path.resolve('pipelines/cafe/sample/crawl'), crawlDir, { recursive: true });
    await writeFile(path.join(crawlDir, '합정동.json'), '{"dong": "합정동", "cafes": [ {"id": ');
    const dongsFile = path.join(sourceRoot, 'three-dongs.json');
    await writeFile(dongsFile, JSON.stringify(['망원1동', '합정동', '익선동']));
    const id = await t.trigger({
      pipelineSlug: 'cafe-monthly',
      params: { sourceDir: crawlDir, dongsFile, crawlDelayMs: 0 },
    });
    const run = await t.waitForRun(id);
    expect(run.status).toBe('partially_failed');
    expect(run.itemsFailed).toBe(1);
    expect(run.itemsSucceeded).toBe(2);

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
