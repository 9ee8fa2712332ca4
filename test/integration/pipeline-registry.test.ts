// Pipelines as a versioned registry: immutable versions, diffs, validation that stores nothing, runs pinned to
// their version, and the spec's DAG executed as written.
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { cafeWeeklyReviews } from '~/pipelines/cafe-weekly-reviews';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { testContext, type TestContext } from '../support/stack';
import { maxOverlap } from '../support/intervals';

let t: TestContext;
let results: CafeResults;
/** A folder the admin shares with the steps: a dongs file given as a param lies there. */
let shared: string;
const editor = () => t.api('editor');
const sleep = (ms: number) => ['node', 'test/fixtures/steps/sleep.mjs', '--ms', String(ms)];

beforeAll(async () => {
  shared = await mkdtemp(path.join(os.tmpdir(), 'registry-dongs-'));
  await chmod(shared, 0o755);
  t = await testContext({ GPU_SLOTS: '2', BREWLINE_STEP_SHARED_DIRS: shared, ...cafeSecretKey() });
  results = await cafeResults(t);
  await t.startWorkers();
});
afterAll(async () => {
  await results?.close();
  await t.close();
});

const spec = (command: string[]) => ({
  slug: 'registry-demo',
  name: 'Registry demo',
  params: { dongs: { type: 'string[]', default: ['d1', 'd2'] } },
  items: { source: 'param', param: 'dongs' },
  steps: [
    { id: 'first', kind: 'command', command },
    { id: 'second', kind: 'noop', needs: ['first'] },
  ],
});

describe('pipeline versions', () => {
  it('creates a new immutable version only when the spec changes, lists and diffs them', async () => {
    const api = editor();
    expect(await api.pipelines.push({ spec: spec(sleep(0)) })).toMatchObject({ version: 1, created: true });
    expect(await api.pipelines.push({ spec: spec(sleep(0)) })).toMatchObject({ version: 1, created: false });
    expect(await api.pipelines.push({ spec: spec(sleep(5)) })).toMatchObject({ version: 2, created: true });
    expect((await api.pipelines.versions({ slug: 'registry-demo' })).map((v) => v.version)).toEqual([2, 1]);
    const { changes } = await api.pipelines.diff({ slug: 'registry-demo', from: 1, to: 2 });
    expect(changes).toEqual([{ path: 'steps[first].command', kind: 'changed', before: sleep(0), after: sleep(5) }]);
    expect((await api.pipelines.get({ slug: 'registry-demo', version: 1 })).spec.steps[0]!.command).toEqual(sleep(0));
  });

  it('rejects a bad spec with every problem and its path, and stores nothing', async () => {
    const api = editor();
    const before = await t.db.pipelineVersion.count();
    const bad = {
      ...spec(sleep(0)),
      slug: 'Bad',
      steps: [
        { id: 'a', kind: 'noop', needs: ['b'] },
        { id: 'b', kind: 'noop', needs: ['a'], queue: 'tpu' },
      ],
    };
    const err = await api.pipelines.push({ spec: bad }).catch((e: { data?: { fields?: unknown } }) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    const { problems } = await api.pipelines.validate({ spec: bad });
    expect(problems.map((p) => p.path.join('.'))).toEqual(['slug', 'steps.1.queue', 'steps']);
    expect(problems[2]!.message).toMatch(/cycle: a -> b -> a/);
    expect(await t.db.pipelineVersion.count()).toBe(before);
  });

  it('a run keeps the version it started with when the pipeline is edited while it runs', async () => {
    const api = editor();
    const v = await api.pipelines.push({ spec: { ...spec(sleep(2_000)), slug: 'pinned-demo' } });
    const { runId } = await api.runs.trigger({ pipelineSlug: 'pinned-demo', params: {} });
    // the new version renames the second step
    const edited = spec(sleep(0));
    edited.slug = 'pinned-demo';
    edited.steps[1] = { id: 'renamed', kind: 'noop', needs: ['first'] };
    expect((await api.pipelines.push({ spec: edited })).version).toBe(v.version + 1);
    const run = await t.waitForRun(runId);
    expect(run.status).toBe('succeeded');
    expect((await api.runs.get({ runId })).pipeline.version).toBe(v.version);
    const stepIds = new Set((await t.db.stepRun.findMany({ where: { runId } })).map((s) => s.stepId));
    expect([...stepIds].sort()).toEqual(['first', 'second']);
  });
});

describe('the DAG', () => {
  it('runs independent branches at the same time and joins them', async () => {
    const api = editor();
    await api.pipelines.push({
      spec: {
        slug: 'diamond',
        name: 'Diamond',
        params: { dongs: { type: 'string[]', default: ['only'] } },
        items: { source: 'param', param: 'dongs' },
        steps: [
          { id: 'start', kind: 'noop' },
          { id: 'left', kind: 'command', command: sleep(1_500), needs: ['start'] },
          { id: 'right', kind: 'command', command: sleep(1_500), needs: ['start'], queue: 'gpu' },
          { id: 'join', kind: 'noop', needs: ['left', 'right'] },
        ],
      },
    });
    const { runId } = await api.runs.trigger({ pipelineSlug: 'diamond', params: {} });
    expect((await t.waitForRun(runId)).status).toBe('succeeded');
    const steps = Object.fromEntries((await t.db.stepRun.findMany({ where: { runId } })).map((s) => [s.stepId, s]));
    expect(maxOverlap([steps.left!, steps.right!].map((s) => [s.startedAt.getTime(), s.endedAt!.getTime()]))).toBe(2);
    expect(steps.join!.startedAt.getTime()).toBeGreaterThanOrEqual(
      Math.max(steps.left!.endedAt!.getTime(), steps.right!.endedAt!.getTime()),
    );
  });
});

describe('fan-out sources', () => {
  it('fans out over the items a run-level step wrote', async () => {
    const api = editor();
    await api.pipelines.push({
      spec: {
        slug: 'items-from-step',
        name: 'Items from a step',
        items: { source: 'step', step: 'list', file: 'items.json' },
        steps: [
          {
            id: 'list',
            kind: 'command',
            scope: 'before',
            command: [
              'node',
              '-e',
              "require('fs').writeFileSync(process.argv[1] + '/items.json', JSON.stringify(['x1', 'x2', 'x3']))",
              '{out}',
            ],
          },
          {
            id: 'per-item',
            kind: 'command',
            needs: ['list'],
            command: ['node', '-e', 'console.log(process.argv[1])', '{item}'],
          },
        ],
      },
    });
    const { runId } = await api.runs.trigger({ pipelineSlug: 'items-from-step', params: {} });
    const run = await t.waitForRun(runId);
    expect(run).toMatchObject({ status: 'succeeded', itemsTotal: 3, itemsSucceeded: 3 });
    const logs = await t.db.stepRun.findMany({ where: { runId, stepId: 'per-item' }, orderBy: { itemKey: 'asc' } });
    expect(logs.map((l) => l.log.trim())).toEqual(['x1', 'x2', 'x3']);
  });

  it('rejects an items source naming a step that is not run-level', async () => {
    const { problems } = await editor().pipelines.validate({
      spec: {
        slug: 'bad-source',
        name: 'x',
        items: { source: 'step', step: 'per', file: '../x.json' },
        steps: [{ id: 'per', kind: 'noop' }],
      },
    });
    expect(problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'items.file: must stay inside the step output',
      'items.step: must name a run-level "before" step; "per" is item',
    ]);
  });
});

describe('the sample pipelines as code', () => {
  it('the weekly review refresh updates the summaries of cafes loaded by the monthly pipeline', async () => {
    const api = editor();
    await api.pipelines.push({ spec: cafeMonthly });
    await api.pipelines.push({ spec: cafeWeeklyReviews });
    // two of the sample's dongs
    const dongsFile = path.join(shared, 'two-dongs.json');
    await writeFile(dongsFile, JSON.stringify(DONGS.slice(0, 2)));
    const monthly = await api.runs.trigger({ pipelineSlug: 'cafe-monthly', params: { dongsFile, crawlDelayMs: 0 } });
    expect((await t.waitForRun(monthly.runId, 150_000)).status).toBe('succeeded');
    const weekly = await api.runs.trigger({ pipelineSlug: 'cafe-weekly-reviews', params: { dongsFile } });
    expect((await t.waitForRun(weekly.runId)).status).toBe('succeeded');
    const { rows: summaries } = await results.pool.query<{ run_id: string; step_id: string; model: string }>(
      'SELECT run_id, step_id, model FROM review_summary',
    );
    expect(summaries.length).toBeGreaterThan(0);
    expect(
      summaries.every(
        (s) => s.run_id === weekly.runId && s.step_id === 'summarise-reviews' && s.model === 'review-summariser@1',
      ),
    ).toBe(true);
    // the weekly pipeline touches no images
    const images = await results.pool.query('SELECT 1 FROM cafe_image WHERE run_id = $1', [weekly.runId]);
    expect(images.rowCount).toBe(0);
  });
});
