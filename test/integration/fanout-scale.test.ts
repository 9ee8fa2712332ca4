// A run of 2,000 no-op items completes within Temporal's history and pending-children limits.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
beforeAll(async () => {
  // 500 children per execution: the run continues as new three times
  t = await testContext({ BREWLINE_ITEMS_PER_EXECUTION: '500' });
  await t.startWorkers();
});
afterAll(() => t.close());

it('completes 2,000 no-op items in one run', { timeout: 600_000 }, async () => {
  const items = Array.from({ length: 2_000 }, (_, i) => `item-${i}`);
  await t.register({
    slug: 'noop-2000',
    name: '2,000 no-op items',
    params: { items: { type: 'string[]', default: [] } },
    items: { source: 'param', param: 'items' },
    maxInFlight: 200,
    steps: [{ id: 'noop', kind: 'noop' }],
  });
  const runId = await t.trigger({ pipelineSlug: 'noop-2000', params: { items } });
  const started = Date.now();
  const run = await t.waitForRun(runId, 500_000);
  console.log(`2,000 no-op items took ${Date.now() - started} ms`);
  expect(run.status).toBe('succeeded');
  expect(run.itemsSucceeded).toBe(2_000);
  expect(await t.db.itemRun.count({ where: { runId, status: 'succeeded' } })).toBe(2_000);
  expect(await t.db.stepRun.count({ where: { runId, status: 'succeeded' } })).toBe(2_000);

  // the workflow continued as new rather than growing one history past its limits
  const client = await t.temporal();
  const executions = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = '${run.workflowId}'` })) executions.push(e);
  expect(executions.length).toBeGreaterThanOrEqual(4);
});
