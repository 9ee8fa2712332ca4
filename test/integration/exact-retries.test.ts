// Exact retries at scale: of 1,000 items 24 fail; "retry failed items" re-runs exactly those 24, each from the
// step it failed at, reusing what the steps before it returned. And the same done automatically by a pipeline's
// retry policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError, type Builtin } from '~/workers/activities/builtins/types';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const api = () => t.api('editor');
/** Every execution of a builtin step: "item step". */
const calls: string[] = [];
const broken = new Set<string>();
const seen = new Map<string, unknown>();

const builtins: Record<string, Builtin> = {
  'test.prepare': async ({ itemKey, stepId }) => {
    calls.push(`${itemKey} ${stepId}`);
    return { token: `prepared-${itemKey}` };
  },
  'test.check': async ({ itemKey, stepId, results }) => {
    calls.push(`${itemKey} ${stepId}`);
    seen.set(itemKey, results.prepare);
    if (broken.has(itemKey)) throw new BadInputError(`${itemKey} is broken`);
    return { checked: true };
  },
  'test.finish': async ({ itemKey, stepId }) => {
    calls.push(`${itemKey} ${stepId}`);
  },
};

beforeAll(async () => {
  t = await testContext();
  await t.startWorkers({ builtins });
});
afterAll(() => t.close());

const spec = (slug: string, extra: object = {}) => ({
  slug,
  name: slug,
  params: { items: { type: 'string[]', default: [] } },
  items: { source: 'param', param: 'items' },
  maxInFlight: 200,
  steps: [
    { id: 'prepare', kind: 'builtin', builtin: 'test.prepare' },
    { id: 'check', kind: 'builtin', builtin: 'test.check', needs: ['prepare'] },
    { id: 'finish', kind: 'builtin', builtin: 'test.finish', needs: ['check'] },
  ],
  ...extra,
});

describe('exact retries', () => {
  it('a run of 1,000 items with 24 failed re-runs exactly those 24, from their failed step', async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => `dong-${String(i).padStart(4, '0')}`);
    const failing = items.filter((_, i) => i % 41 === 7).slice(0, 24);
    expect(failing).toHaveLength(24);
    for (const k of failing) broken.add(k);
    await api().pipelines.push({ spec: spec('exact-retry') });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'exact-retry', params: { items } });
    expect(await t.waitForRun(runId, 240_000)).toMatchObject({
      status: 'partially_failed',
      itemsSucceeded: 976,
      itemsFailed: 24,
    });
    const failedKeys = (await t.db.itemRun.findMany({ where: { runId, status: 'failed' }, select: { key: true } }))
      .map((r) => r.key)
      .sort();
    expect(failedKeys).toEqual(failing);

    broken.clear();
    calls.length = 0;
    seen.clear();
    expect(await api().runs.retryFailed({ runId })).toMatchObject({ items: 24 });
    expect(await t.waitForRun(runId, 120_000)).toMatchObject({
      status: 'succeeded',
      itemsSucceeded: 1_000,
      itemsFailed: 0,
      retries: 1,
    });
    // exactly the 24, from "check": "prepare" is not repeated, and its stored result is handed on
    expect(calls.filter((c) => c.endsWith(' prepare'))).toEqual([]);
    expect(
      calls
        .filter((c) => c.endsWith(' check'))
        .map((c) => c.split(' ')[0])
        .sort(),
    ).toEqual(failing);
    expect(
      calls
        .filter((c) => c.endsWith(' finish'))
        .map((c) => c.split(' ')[0])
        .sort(),
    ).toEqual(failing);
    expect(calls).toHaveLength(48);
    expect(seen.get(failing[0]!)).toEqual({ token: `prepared-${failing[0]}` });
    // the second attempt of "check" continues the numbering of the first
    const checks = await t.db.stepRun.findMany({
      where: { runId, itemKey: failing[0]!, stepId: 'check' },
      orderBy: { attempt: 'asc' },
    });
    expect(checks.map((c) => [c.attempt, c.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it("retries failed items automatically by the pipeline's policy, after its delay", async () => {
    const items = ['a-dong', 'b-dong', 'c-dong', 'd-dong'];
    broken.add('b-dong');
    calls.length = 0;
    await api().pipelines.push({ spec: spec('auto-retry', { retryFailedItems: { times: 2, delayMs: 1_500 } }) });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'auto-retry', params: { items } });
    // the item failed; the run waits out the delay, still running
    for (;;) {
      // the items are stored once the run has started
      const item = await t.db.itemRun.findUnique({ where: { runId_key: { runId, key: 'b-dong' } } });
      if (item?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await t.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe('running');
    broken.clear();
    expect(await t.waitForRun(runId, 60_000)).toMatchObject({
      status: 'succeeded',
      itemsSucceeded: 4,
      itemsFailed: 0,
      retries: 1,
    });
    expect(calls.filter((c) => c.startsWith('b-dong'))).toEqual([
      'b-dong prepare',
      'b-dong check',
      'b-dong check',
      'b-dong finish',
    ]);
    expect(calls.filter((c) => c.startsWith('a-dong'))).toEqual(['a-dong prepare', 'a-dong check', 'a-dong finish']);
  });

  it("gives up after the policy's rounds; the run ends partially failed", async () => {
    broken.add('z-dong');
    calls.length = 0;
    await api().pipelines.push({ spec: spec('auto-retry-out', { retryFailedItems: { times: 2, delayMs: 100 } }) });
    const { runId } = await api().runs.trigger({
      pipelineSlug: 'auto-retry-out',
      params: { items: ['y-dong', 'z-dong'] },
    });
    expect(await t.waitForRun(runId, 60_000)).toMatchObject({
      status: 'partially_failed',
      itemsSucceeded: 1,
      itemsFailed: 1,
      retries: 2,
    });
    expect(calls.filter((c) => c === 'z-dong check')).toHaveLength(3);
  });
});
