// A per-minute cron schedule fires at the minute and, with the default overlap policy, skips while a run is active.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const api = () => t.api('editor');

beforeAll(async () => {
  t = await testContext();
  await t.startWorkers();
});
afterAll(() => t.close());

it('a per-minute schedule fires at the minute and skips the fire while its run is still going', {
  timeout: 120_000,
}, async () => {
  // too close to a minute for the push and the manual run to come first: start after it
  const untilMinute = 60_000 - (Date.now() % 60_000);
  if (untilMinute < 15_000) await new Promise((r) => setTimeout(r, untilMinute + 500));
  const now = Date.now();
  const nextMinute = Math.ceil((now + 1) / 60_000) * 60_000;
  // the run started now lasts until 5 s past the next minute, so that minute's fire meets an active run
  const ms = nextMinute - now + 5_000;
  await api().pipelines.push({
    spec: {
      slug: 'sched-minute',
      name: 'Every minute',
      params: { dongs: { type: 'string[]', default: ['only'] }, ms: { type: 'string', default: '0' } },
      items: { source: 'param', param: 'dongs' },
      steps: [
        { id: 'work', kind: 'command', command: ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '{params.ms}'] },
      ],
      schedules: [{ name: 'minutely', cron: '* * * * *', timezone: 'UTC', params: { ms: String(ms) } }],
    },
  });
  const [schedule] = await api().schedules.list({ pipelineSlug: 'sched-minute' });
  expect(schedule!.nextFireTimes.map((d) => new Date(d).getUTCSeconds())).toEqual([0, 0, 0, 0, 0]);
  await api().schedules.trigger({ id: schedule!.id });

  await new Promise((r) => setTimeout(r, nextMinute + 7_000 - Date.now()));
  await api().schedules.pause({ id: schedule!.id });
  const described = await (await t.temporal()).schedule.getHandle('brewline-sched-minute-minutely').describe();
  const runs = await t.db.run.findMany({ where: { pipeline: { slug: 'sched-minute' } } });
  expect(described.info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(1);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.trigger).toBe('schedule');
});
