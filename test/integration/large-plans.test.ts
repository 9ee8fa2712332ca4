// Params too large for Temporal's payloads stay in the run's row: the run starts and its steps still get them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { INLINE_PARAMS_BYTES, workflowIds } from '~/common/run-contract';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
beforeAll(async () => {
  t = await testContext();
  await t.startWorkers();
});
afterAll(() => t.close());

it('a run whose params are too large to travel with its workflow starts, and its steps read them', async () => {
  await t.register({
    slug: 'large-params',
    name: 'Large params',
    params: {
      dongs: { type: 'string[]', default: ['a', 'b'] },
      notes: { type: 'string[]', default: [] },
    },
    items: { source: 'param', param: 'dongs' },
    steps: [
      {
        id: 'measure',
        kind: 'command',
        command: [
          'node',
          '-e',
          'require("fs").writeFileSync(process.env.BREWLINE_RESULT_FILE, String(process.argv[1].length))',
          '{params.notes}',
        ],
      },
    ],
  });
  // bigger than what travels inline (each string within the params' limit, all within one argument's, 128 KiB)
  const notes = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(10_000));
  const blob = JSON.stringify(notes);
  expect(blob.length).toBeGreaterThan(INLINE_PARAMS_BYTES);
  const runId = await t.trigger({ pipelineSlug: 'large-params', params: { notes } });
  expect((await t.waitForRun(runId)).status).toBe('succeeded');
  const results = await t.db.stepRun.findMany({ where: { runId, stepId: 'measure' } });
  expect(results.map((r) => r.result)).toEqual([blob.length, blob.length]);
  // the workflow's input held a reference, not the params
  const client = await t.temporal();
  const history = await client.workflow.getHandle(workflowIds.run(runId)).fetchHistory();
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  expect(input?.length).toBeLessThan(INLINE_PARAMS_BYTES);
});
