// The tRPC API over the real database and Temporal server: role checks and errors that name the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '~/server/api/root';
import { createCallerFactory } from '~/server/api/trpc';
import { SCOPES, type Actor, type Role, type Scope } from '~/server/auth/actor';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const user = (role: Role, scopes: readonly Scope[] = SCOPES): Actor => ({
  kind: 'user',
  id: `u-${role}`,
  name: role,
  role,
  scopes,
});
const callerFor = (actor: Actor | null) =>
  createCallerFactory(appRouter)({ db: t.db, temporal: t.temporal, config: t.config, actor });

beforeAll(async () => {
  t = await testContext();
  await t.startWorkers();
  await t.register({
    slug: 'api-demo',
    name: 'API demo',
    tags: ['demo'],
    params: { dongs: { type: 'string[]', default: ['x1', 'x2'] }, n: { type: 'integer', default: 1 } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'a', kind: 'noop' },
      { id: 'b', kind: 'noop', queue: 'gpu', needs: ['a'] },
    ],
  });
});
afterAll(() => t.close());

describe('tRPC API', () => {
  it('lets an editor trigger a run and anyone signed in read it with per-item, per-step status', async () => {
    const editor = callerFor(user('editor'));
    const { runId } = await editor.runs.trigger({ pipelineSlug: 'api-demo', params: { n: 2 } });
    await t.waitForRun(runId);
    const run = await callerFor(user('viewer')).runs.get({ runId });
    expect(run).toMatchObject({
      status: 'succeeded',
      pipeline: { slug: 'api-demo', version: 1 },
      params: { n: 2, dongs: ['x1', 'x2'] },
    });
    expect(run.steps.map((s) => [s.id, s.queue])).toEqual([
      ['a', 'cpu'],
      ['b', 'gpu'],
    ]);
    expect(run.items.map((i) => [i.key, i.status, i.steps.b?.status])).toEqual([
      ['x1', 'succeeded', 'succeeded'],
      ['x2', 'succeeded', 'succeeded'],
    ]);
    expect(run.temporalUiUrl).toContain(encodeURIComponent(`run-${runId}`));
    const list = await callerFor(user('viewer')).pipelines.list();
    expect(list.find((p) => p.slug === 'api-demo')).toMatchObject({
      tags: ['demo'],
      recentRuns: [{ id: runId, status: 'succeeded' }],
    });
  });

  it('forbids a viewer from triggering, and refuses a caller with no identity', async () => {
    const before = await t.db.run.count();
    await expect(
      callerFor(user('viewer')).runs.trigger({ pipelineSlug: 'api-demo', params: {} }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(callerFor(null).runs.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await t.db.run.count()).toBe(before);
  });

  it('answers bad params with BAD_REQUEST naming each field, and stores nothing', async () => {
    const before = await t.db.run.count();
    const err = await callerFor(user('editor'))
      .runs.trigger({ pipelineSlug: 'api-demo', params: { n: 'two', nope: 1 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect((err as Error).message).toMatch(
      /params\.nope is not a param of this pipeline.*params\.n must be an integer/,
    );
    expect(await t.db.run.count()).toBe(before);
  });

  it('answers NOT_FOUND for an unknown pipeline or run', async () => {
    const editor = callerFor(user('editor'));
    await expect(editor.runs.trigger({ pipelineSlug: 'no-such-pipeline', params: {} })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(editor.runs.get({ runId: '01a1ffca-0000-7000-8000-000000000000' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
