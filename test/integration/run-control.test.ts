// Operating runs: listing with filters and a cursor, cancelling, and retrying exactly the failed items.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let dir: string;
const api = () => t.api('editor');
const fast = { maxAttempts: 2, initialIntervalMs: 100, backoffCoefficient: 1, maxIntervalMs: 100 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'run-control-'));
  // the steps read their lists and write their trace there: a folder the admin shares with every step's sandbox,
  // open to the step user
  await chmod(dir, 0o755);
  t = await testContext({ BREWLINE_STEP_SHARED_DIRS: dir });
  await t.startWorkers();
});
afterAll(() => t.close());

describe('retry failed items', () => {
  it('re-runs exactly the failed items, each from the step that failed, and leaves the others alone', async () => {
    const items = Array.from({ length: 40 }, (_, i) => `item-${i}`);
    const broken = ['item-3', 'item-11', 'item-17', 'item-29'];
    const list = path.join(dir, 'broken.json');
    const trace = path.join(dir, 'trace.log');
    await writeFile(list, JSON.stringify(broken));
    await writeFile(trace, '');
    await chmod(trace, 0o666);
    const step = (id: string, needs: string[]) => ({
      id,
      kind: 'command',
      command: [
        'node',
        'test/fixtures/steps/fail-if-listed.mjs',
        '--list',
        id === 'check' ? list : path.join(dir, 'none.json'),
        '--trace',
        trace,
      ],
      needs,
      retry: fast,
    });
    await writeFile(path.join(dir, 'none.json'), '[]');
    await api().pipelines.push({
      spec: {
        slug: 'retry-demo',
        name: 'Retry demo',
        params: { items: { type: 'string[]', default: [] } },
        items: { source: 'param', param: 'items' },
        steps: [step('prepare', []), step('check', ['prepare']), step('finish', ['check'])],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'retry-demo', params: { items } });
    const first = await t.waitForRun(runId);
    expect(first).toMatchObject({ status: 'partially_failed', itemsFailed: 4, itemsSucceeded: 36 });
    const succeededBefore = await t.db.itemRun.findMany({
      where: { runId, status: 'succeeded' },
      orderBy: { key: 'asc' },
    });

    // the cause is fixed; retry
    await writeFile(list, '[]');
    await writeFile(trace, '');
    await chmod(trace, 0o666);
    expect(await api().runs.retryFailed({ runId })).toMatchObject({ items: 4 });
    const second = await t.waitForRun(runId);
    expect(second).toMatchObject({ status: 'succeeded', itemsSucceeded: 40, itemsFailed: 0, retries: 1 });

    // exactly the 4 items ran again, from the failed step: "prepare" was not repeated
    const rerun = (await readFile(trace, 'utf8')).trim().split('\n').sort();
    expect(rerun).toEqual(broken.flatMap((i) => [`${i} check 2`, `${i} finish 1`]).sort());
    for (const item of broken) {
      const attempts = await t.db.stepRun.findMany({
        where: { runId, itemKey: item },
        orderBy: [{ stepId: 'asc' }, { attempt: 'asc' }],
      });
      expect(attempts.map((a) => `${a.stepId}:${a.attempt}:${a.status}`)).toEqual([
        'check:1:failed',
        'check:2:succeeded',
        'finish:1:succeeded',
        'prepare:1:succeeded',
      ]);
    }
    // the succeeded items were not touched
    const succeededAfter = await t.db.itemRun.findMany({
      where: { runId, key: { in: succeededBefore.map((i) => i.key) } },
      orderBy: { key: 'asc' },
    });
    expect(succeededAfter.map((i) => [i.key, i.endedAt?.getTime()])).toEqual(
      succeededBefore.map((i) => [i.key, i.endedAt?.getTime()]),
    );

    await expect(api().runs.retryFailed({ runId })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('cancel', () => {
  it('cancels a running run: running commands are killed, the run and its unfinished items end cancelled', async () => {
    await api().pipelines.push({
      spec: {
        slug: 'cancel-demo',
        name: 'Cancel demo',
        params: { items: { type: 'string[]', default: ['a', 'b', 'c'] } },
        items: { source: 'param', param: 'items' },
        steps: [
          {
            id: 'long',
            kind: 'command',
            command: ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '60000'],
            timeouts: { startToCloseMs: 120_000, heartbeatMs: 1_000 },
          },
        ],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'cancel-demo', params: {} });
    for (;;) {
      if ((await t.db.stepRun.count({ where: { runId, status: 'running' } })) === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await api().runs.cancel({ runId });
    const run = await t.waitForRun(runId, 30_000);
    expect(run.status).toBe('cancelled');
    expect((await t.db.itemRun.findMany({ where: { runId } })).map((i) => i.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(await t.db.stepRun.count({ where: { runId, status: 'running' } })).toBe(0);
    await expect(api().runs.cancel({ runId })).rejects.toMatchObject({ code: 'CONFLICT' });
    // the step processes are gone (cancellation reached the activities through their heartbeats)
    const stillRunning = async () =>
      (await promisify(execFile)('ps', ['-eo', 'args'])).stdout
        .split('\n')
        .filter((l) => l.includes('sleep.mjs --ms 60000'));
    for (let i = 0; i < 50 && (await stillRunning()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await stillRunning()).toEqual([]);
  });
});

describe('list', () => {
  it('filters by pipeline and status and pages with a cursor', async () => {
    const all = await api().runs.list({ pipelineSlug: 'retry-demo', limit: 200 });
    expect(all.runs.length).toBeGreaterThanOrEqual(1);
    const cancelled = await api().runs.list({ status: ['cancelled'] });
    expect(cancelled.runs.every((r) => r.status === 'cancelled')).toBe(true);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api().runs.list({ limit: 1, cursor });
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(await t.db.run.count());
  });
});
