// A run's lifecycle, the same whichever way it goes: a manual retry and the pipeline's automatic rounds requeue
// the same items; when Temporal refuses a run, a cell or a retry, the records say so and nothing is left half done.
// No workers here: the workflows started stay queued and are terminated at the end.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '~/common/run-contract';
import type { ItemStatus, RunStatus } from '~/common/statuses';
import { createCaller } from '~/server/api/root';
import { SCOPES } from '~/server/auth/actor';
import { createBookkeepingActivities } from '~/workers/activities/bookkeeping';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const SLUG = 'lifecycle-demo';
/** Retry workflows this file started on its own (unserved) queue. */
const started: string[] = [];

beforeAll(async () => {
  t = await testContext();
  await t.api('editor').pipelines.push({
    spec: {
      slug: SLUG,
      name: 'Lifecycle demo',
      params: { items: { type: 'string[]', default: [] } },
      items: { source: 'param', param: 'items' },
      steps: [{ id: 'work', kind: 'noop' }],
    },
  });
});
afterAll(async () => {
  const client = await t.temporal();
  for (const id of started) await client.workflow.getHandle(id).terminate('test over');
  await t.close();
});

/** A finished run of the demo pipeline whose items ended as given, each failed or cancelled one with its error. */
async function finishedRun(status: RunStatus, items: Record<string, ItemStatus>): Promise<string> {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: SLUG }, include: { versions: true } });
  const id = randomUUID();
  const endedAt = new Date(Date.now() - 60_000);
  await t.db.run.create({
    data: {
      id,
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger: 'manual',
      status,
      workflowId: workflowIds.run(id),
      itemsTotal: Object.keys(items).length,
      startedAt: new Date(endedAt.getTime() - 60_000),
      endedAt,
      items: {
        create: Object.entries(items).map(([key, s], ordinal) => ({
          key,
          ordinal,
          status: s,
          error: s === 'failed' || s === 'cancelled' ? `${key} ${s}` : null,
          endedAt,
        })),
      },
    },
  });
  return id;
}

const itemsOf = async (runId: string) =>
  Object.fromEntries(
    (await t.db.itemRun.findMany({ where: { runId }, orderBy: { ordinal: 'asc' } })).map((i) => [i.key, i.status]),
  );

/** The API as an editor whose Temporal cannot be reached. */
const refusing = () =>
  createCaller({
    db: t.db,
    temporal: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
    config: t.config,
    actor: { kind: 'user', id: 'test-editor', name: 'editor user', role: 'editor', scopes: SCOPES },
  });

describe('requeueing', () => {
  it('a manual retry and the automatic retry rounds run the same items again: the failed and the \
cancelled', async () => {
    const ended: Record<string, ItemStatus> = {
      done: 'succeeded',
      broken: 'failed',
      stopped: 'cancelled',
      sensed: 'skipped',
    };
    const again = { done: 'succeeded', broken: 'pending', stopped: 'pending', sensed: 'skipped' };

    // "retry failed items" on the run page
    const manual = await finishedRun('partially_failed', ended);
    const retry = await t.api('editor').runs.retryFailed({ runId: manual });
    started.push(retry.workflowId);
    expect(retry.items).toBe(2);
    expect(await itemsOf(manual)).toEqual(again);

    // the pipeline's retryFailedItems round, as the run's workflow asks its bookkeeping for it
    const automatic = await finishedRun('running', ended);
    const bookkeeping = createBookkeepingActivities({ db: t.db, cwd: process.cwd(), dataDir: t.config.dataDir });
    expect(await bookkeeping.requeueFailedItems(automatic)).toBe(2);
    expect(await itemsOf(automatic)).toEqual(again);

    for (const runId of [manual, automatic]) {
      // requeued items start afresh (no error, no end), and the run counts one retry
      for (const item of await t.db.itemRun.findMany({ where: { runId, status: 'pending' } }))
        expect([item.error, item.endedAt]).toEqual([null, null]);
      expect((await t.db.run.findUniqueOrThrow({ where: { id: runId } })).retries).toBe(1);
    }
  });

  it('retrying one item requeues only that one, and only when it failed or was cancelled', async () => {
    const runId = await finishedRun('cancelled', { a: 'succeeded', b: 'cancelled', c: 'cancelled' });
    await expect(t.api('editor').runs.retryItem({ runId, itemKey: 'a' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const retry = await t.api('editor').runs.retryItem({ runId, itemKey: 'b' });
    started.push(retry.workflowId);
    expect(retry.items).toBe(1);
    expect(await itemsOf(runId)).toEqual({ a: 'succeeded', b: 'pending', c: 'cancelled' });
  });
});

describe('retrying twice at once', () => {
  it("one retry wins; the other is told so and leaves the winner's run and items alone", async () => {
    const runId = await finishedRun('partially_failed', { a: 'succeeded', b: 'failed', c: 'failed' });
    const outcomes = await Promise.allSettled([
      t.api('editor').runs.retryItem({ runId, itemKey: 'b' }),
      t.api('editor').runs.retryFailed({ runId }),
      t.api('editor').runs.retryItem({ runId, itemKey: 'b' }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    started.push(won[0]!.value.workflowId);
    for (const lost of outcomes.filter((o) => o.status === 'rejected'))
      expect(lost.reason).toMatchObject({ code: 'CONFLICT' });
    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: 'running', retries: 1, retryWorkflowId: won[0]!.value.workflowId });
    const items = await itemsOf(runId);
    expect(items.b).toBe('pending');
    expect(items.a).toBe('succeeded');
    // c was requeued only if the whole-run retry won
    expect(items.c).toBe(won[0]!.value.items === 2 ? 'pending' : 'failed');
  });
});

describe('when Temporal refuses', () => {
  it('a triggered run leaves no row behind; the caller is told the service is unavailable', async () => {
    const before = await t.db.run.count();
    await expect(refusing().runs.trigger({ pipelineSlug: SLUG, params: { items: ['a'] } })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The run could not be started: Temporal is unreachable',
    });
    expect(await t.db.run.count()).toBe(before);
  });

  it('a cell run leaves no row behind either', async () => {
    const before = await t.db.run.count({ where: { trigger: 'dev' } });
    const itemsBefore = await t.db.itemRun.count({ where: { run: { trigger: 'dev' } } });
    await expect(refusing().runs.runCell({ pipelineSlug: SLUG, stepId: 'work', itemKey: 'a' })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The cell could not be started: Temporal is unreachable',
    });
    expect(await t.db.run.count({ where: { trigger: 'dev' } })).toBe(before);
    expect(await t.db.itemRun.count({ where: { run: { trigger: 'dev' } } })).toBe(itemsBefore);
  });

  it('a retry leaves the run and each of its items as they were, the run saying why the retry did not \
start', async () => {
    const runId = await finishedRun('partially_failed', { a: 'succeeded', b: 'failed', c: 'cancelled' });
    const before = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    await expect(refusing().runs.retryFailed({ runId })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The retry could not be started: Temporal is unreachable',
    });
    const after = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(after).toMatchObject({
      status: 'partially_failed',
      endedAt: before.endedAt,
      retries: 0,
      retryWorkflowId: null,
      error: expect.stringMatching(/^retry could not start on Temporal: /),
    });
    expect(await itemsOf(runId)).toEqual({ a: 'succeeded', b: 'failed', c: 'cancelled' });
    // and it can be retried once Temporal is back
    const retry = await t.api('editor').runs.retryFailed({ runId });
    started.push(retry.workflowId);
    expect(retry).toMatchObject({ items: 2, workflowId: `${workflowIds.run(runId)}-retry-1` });
  });
});
