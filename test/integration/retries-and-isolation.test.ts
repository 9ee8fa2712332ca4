// Retries per step, and items that do not wait for each other.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
beforeAll(async () => {
  t = await testContext();
  await t.startWorkers({ gpuSlots: 2 });
});
afterAll(() => t.close());

const fastRetry = { maxAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 1, maxIntervalMs: 100 };
const step = (id: string, command: string[], extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'command',
  command,
  retry: fastRetry,
  ...extra,
});

it('retries a step that fails twice, records 3 attempts, and the item completes', async () => {
  await t.register({
    slug: 'flaky-pipeline',
    name: 'Flaky',
    params: { dongs: { type: 'string[]', default: ['a동', 'b동'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      step('first', ['node', 'test/fixtures/steps/flaky.mjs', '--succeed-on', '3', '--items', 'a동']),
      step('second', ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '0'], { needs: ['first'], queue: 'gpu' }),
    ],
  });
  const runId = await t.trigger({ pipelineSlug: 'flaky-pipeline' });
  const run = await t.waitForRun(runId);
  expect(run.status).toBe('succeeded');

  const attempts = await t.db.stepRun.findMany({
    where: { runId, itemKey: 'a동', stepId: 'first' },
    orderBy: { attempt: 'asc' },
  });
  expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
    [1, 'retrying'],
    [2, 'retrying'],
    [3, 'succeeded'],
  ]);
  expect(attempts[0]!.error).toMatch(/exited with code 1: simulated failure on attempt 1/);
  expect(attempts[0]!.log).toContain('simulated failure on attempt 1');
  const second = await t.db.stepRun.findMany({ where: { runId, itemKey: 'a동', stepId: 'second' } });
  expect(second.map((s) => s.status)).toEqual(['succeeded']);
  const other = await t.db.stepRun.findMany({ where: { runId, itemKey: 'b동', stepId: 'first' } });
  expect(other.map((s) => s.attempt)).toEqual([1]);
});

it('a step that keeps failing fails its item after maxAttempts, and the others complete', async () => {
  await t.register({
    slug: 'always-failing',
    name: 'Always failing for one item',
    params: { dongs: { type: 'string[]', default: ['ok1', 'bad', 'ok2'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [step('only', ['node', 'test/fixtures/steps/flaky.mjs', '--succeed-on', '99', '--items', 'bad'])],
  });
  const runId = await t.trigger({ pipelineSlug: 'always-failing' });
  const run = await t.waitForRun(runId);
  expect(run.status).toBe('partially_failed');
  expect([run.itemsSucceeded, run.itemsFailed]).toEqual([2, 1]);
  const attempts = await t.db.stepRun.findMany({ where: { runId, itemKey: 'bad' }, orderBy: { attempt: 'asc' } });
  expect(attempts.map((a) => a.status)).toEqual(['retrying', 'retrying', 'failed']);
});

it('a slow item does not hold the others back', async () => {
  const dongs = ['slow', 'f1', 'f2', 'f3', 'f4', 'f5'];
  await t.register({
    slug: 'one-slow-item',
    name: 'One slow item',
    params: { dongs: { type: 'string[]', default: dongs } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      step('s0', ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '6000', '--items', 'slow']),
      step('s1', ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '0'], { needs: ['s0'], queue: 'gpu' }),
      step('s2', ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '0'], { needs: ['s1'] }),
    ],
  });
  const runId = await t.trigger({ pipelineSlug: 'one-slow-item' });
  expect((await t.waitForRun(runId)).status).toBe('succeeded');
  const steps = await t.db.stepRun.findMany({ where: { runId } });
  const slowFirstEnd = steps.find((s) => s.itemKey === 'slow' && s.stepId === 's0')!.endedAt!.getTime();
  const othersLastEnd = Math.max(...steps.filter((s) => s.itemKey !== 'slow').map((s) => s.endedAt!.getTime()));
  expect(steps.filter((s) => s.itemKey !== 'slow' && s.stepId === 's2')).toHaveLength(5);
  expect(othersLastEnd).toBeLessThan(slowFirstEnd);
});

it('rejects invalid item keys before anything starts, naming each', async () => {
  await expect(
    t.trigger({ pipelineSlug: 'one-slow-item', params: { dongs: ['ok', '../etc', '-rf', 'ok'] } }),
  ).rejects.toThrow(
    new RegExp(
      'params\\.dongs items\\[1\\] "\\.\\.\\/etc" must not contain path separators.*' +
        'items\\[2\\] "-rf" may contain only.*items\\[3\\] "ok" is a duplicate',
    ),
  );
});
