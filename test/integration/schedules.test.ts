// Schedules on Temporal Schedules: firing, skipping overlaps, pausing, backfills in order, next fire times,
// reconciliation of Temporal with the database, and pushes from the API and the CLI alike reaching Temporal.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appRouter } from '~/server/api/root';
import { createCallerFactory } from '~/server/api/trpc';
import { SCOPES } from '~/server/auth/actor';
import { reconcileSchedules } from '~/server/services/schedules/temporal-schedules';
import { maxOverlap } from '../support/intervals';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const api = () => t.api('editor');
const sleep = (ms: number) => ['node', 'test/fixtures/steps/sleep.mjs', '--ms', String(ms)];
const pipeline = (slug: string, stepMs: number, schedules: unknown[]) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: ['only'] } },
  items: { source: 'param', param: 'dongs' },
  steps: [{ id: 'work', kind: 'command', command: sleep(stepMs) }],
  schedules,
});
const runsOf = (slug: string) => t.db.run.findMany({ where: { pipeline: { slug } }, orderBy: { createdAt: 'asc' } });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // the schedules here fire every second or two: below the default minimum interval, as an admin may allow
  t = await testContext({ BREWLINE_MIN_SCHEDULE_INTERVAL_S: '1' });
  await t.startWorkers();
});
afterAll(async () => {
  // leave no schedule firing into the next test file
  for (const s of await t.db.schedule.findMany({ where: { pipeline: { slug: { startsWith: 'sched-' } } } }))
    await api().schedules.pause({ id: s.id });
  await t.close();
});

describe('schedules', () => {
  it('fires on its interval, skips fires while a run is active, and stops when paused', async () => {
    await api().pipelines.push({
      spec: pipeline('sched-overlap', 6_000, [{ name: 'often', every: '2s', overlap: 'skip' }]),
    });
    const [schedule] = await api().schedules.list({ pipelineSlug: 'sched-overlap' });
    expect(schedule).toMatchObject({ name: 'often', overlap: 'skip', inTemporal: true, paused: false });

    await wait(11_000);
    await api().schedules.pause({ id: schedule!.id, note: 'maintenance' });
    const runs = await runsOf('sched-overlap');
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((r) => r.trigger === 'schedule' && r.scheduleId === schedule!.id)).toBe(true);
    const handle = (await t.temporal()).schedule.getHandle(`brewline-sched-overlap-often`);
    await vi.waitFor(
      async () => {
        const described = await handle.describe();
        expect(described.info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(1);
        expect(described.state).toMatchObject({ paused: true, note: 'maintenance' });
      },
      { timeout: 5000, interval: 100 },
    );

    // never two runs at once
    await wait(7_000);
    const finished = await runsOf('sched-overlap');
    expect(
      maxOverlap(finished.filter((r) => r.endedAt).map((r) => [r.createdAt.getTime(), r.endedAt!.getTime()])),
    ).toBe(1);
    // paused: nothing new fires
    const count = finished.length;
    await wait(5_000);
    expect((await runsOf('sched-overlap')).length).toBe(count);
  });

  it('a schedule created paused does not fire', async () => {
    await api().pipelines.push({ spec: pipeline('sched-paused', 0, [{ name: 'held', every: '1s', paused: true }]) });
    await wait(4_000);
    expect(await runsOf('sched-paused')).toHaveLength(0);
    expect((await api().schedules.list({ pipelineSlug: 'sched-paused' }))[0]).toMatchObject({
      paused: true,
      inTemporal: true,
    });
  });

  it('backfills three slots as three runs, one after another, in slot order', async () => {
    await api().pipelines.push({
      spec: pipeline('sched-backfill', 500, [{ name: 'hourly', cron: '0 * * * *', timezone: 'UTC' }]),
    });
    const [schedule] = await api().schedules.list({ pipelineSlug: 'sched-backfill' });
    const hour = new Date();
    hour.setUTCMinutes(0, 0, 0);
    const start = new Date(hour.getTime() - 3 * 3_600_000 - 1_800_000);
    const end = new Date(hour.getTime() - 1_800_000);
    await api().schedules.backfill({ id: schedule!.id, start, end });
    for (let i = 0; i < 120; i++) {
      const runs = await runsOf('sched-backfill');
      if (runs.length === 3 && runs.every((r) => r.endedAt)) break;
      await wait(500);
    }
    const runs = await runsOf('sched-backfill');
    expect(runs.map((r) => r.scheduledFor?.toISOString())).toEqual(
      [3, 2, 1].map((h) => new Date(hour.getTime() - h * 3_600_000).toISOString()),
    );
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.endedAt!.getTime());
  });

  it('lists the next five fire times in the schedule time zone (monthly, 03:00 on the 1st, Seoul)', async () => {
    await api().pipelines.push({
      spec: pipeline('sched-monthly', 0, [{ name: 'monthly', cron: '0 3 1 * *', timezone: 'Asia/Seoul' }]),
    });
    const [schedule] = await api().schedules.list({ pipelineSlug: 'sched-monthly' });
    expect(schedule!.nextFireTimes).toHaveLength(5);
    const seoul = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Seoul',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
    for (const at of schedule!.nextFireTimes) expect(seoul.format(at)).toBe('01, 03:00');
    await api().schedules.pause({ id: schedule!.id });
  });

  it('reconciles Temporal with the database after a crash between the two', async () => {
    const client = await t.temporal();
    // a crash after the database write, before Temporal heard of it
    await client.schedule.getHandle('brewline-sched-monthly-monthly').delete();
    // and a schedule whose row is gone
    await client.schedule.create({
      scheduleId: 'brewline-stray-left-behind',
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'scheduledRun',
        taskQueue: t.config.taskQueues.cpu,
        args: [{ scheduleId: 'gone' }],
      },
      state: { paused: true },
    });
    const { removed } = await reconcileSchedules({ db: t.db, temporal: t.temporal, config: t.config });
    expect(removed).toContain('brewline-stray-left-behind');
    const restored = await client.schedule.getHandle('brewline-sched-monthly-monthly').describe();
    expect(restored.state.paused).toBe(true);
    expect(restored.spec.calendars?.length ?? 0).toBeGreaterThan(0);
  });

  it('adds and replaces schedules through the API as new pipeline versions; rejects a bad one, storing \
nothing', async () => {
    await api().pipelines.push({ spec: pipeline('sched-api', 0, []) });
    expect(
      await api().schedules.upsert({ pipelineSlug: 'sched-api', schedule: { name: 'nightly', cron: '0 2 * * *' } }),
    ).toEqual({ version: 2 });
    const [nightly] = await api().schedules.list({ pipelineSlug: 'sched-api' });
    expect(nightly).toMatchObject({ name: 'nightly', cron: '0 2 * * *', timezone: 'Asia/Seoul', inTemporal: true });
    const versions = await t.db.pipelineVersion.count();
    const err = await api()
      .schedules.upsert({
        pipelineSlug: 'sched-api',
        schedule: { name: 'bad', cron: '0 25 * * *', timezone: 'Nowhere/City' },
      })
      .catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect((err as Error).message).toMatch(/schedule\.timezone unknown time zone "Nowhere\/City"/);
    expect(await t.db.pipelineVersion.count()).toBe(versions);
    await api().schedules.upsert({
      pipelineSlug: 'sched-api',
      schedule: { name: 'nightly', cron: '30 1 * * *', paused: true },
    });
    expect((await api().schedules.list({ pipelineSlug: 'sched-api' }))[0]).toMatchObject({ cron: '30 1 * * *' });
  });

  it('disabling a pipeline pauses its schedules and refuses runs; enabling resumes; deleting removes \
them', async () => {
    await api().pipelines.push({
      spec: pipeline('sched-life', 0, [
        { name: 'daily', cron: '0 4 * * *' },
        { name: 'held', cron: '0 5 * * *', paused: true },
      ]),
    });
    const byName = async () =>
      Object.fromEntries((await api().schedules.list({ pipelineSlug: 'sched-life' })).map((s) => [s.name, s]));
    await api().pipelines.disable({ slug: 'sched-life' });
    expect((await byName()).daily).toMatchObject({ paused: true });
    // Temporal applies a pause by signalling the schedule's own workflow, so describe() sees it a moment later
    // (seconds later on a loaded CI machine: 5 s was once not enough)
    await vi.waitFor(
      async () => {
        expect(
          (await (await t.temporal()).schedule.getHandle('brewline-sched-life-daily').describe()).state.paused,
        ).toBe(true);
      },
      { timeout: 30_000, interval: 200 },
    );
    await expect(api().runs.trigger({ pipelineSlug: 'sched-life', params: {} })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await api().pipelines.enable({ slug: 'sched-life' });
    const after = await byName();
    expect([after.daily?.paused, after.held?.paused]).toEqual([false, true]);
    const admin = createCallerFactory(appRouter)({
      db: t.db,
      temporal: t.temporal,
      config: t.config,
      actor: { kind: 'user', id: 'a', name: 'A', role: 'admin', scopes: SCOPES },
    });
    await expect(api().pipelines.delete({ slug: 'sched-life' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await admin.pipelines.delete({ slug: 'sched-life' });
    expect(await t.db.schedule.count({ where: { pipeline: { slug: 'sched-life' } } })).toBe(0);
    await expect((await t.temporal()).schedule.getHandle('brewline-sched-life-daily').describe()).rejects.toThrow();
    expect((await api().pipelines.list()).map((p) => p.slug)).not.toContain('sched-life');
  });

  it('a CLI push straight to the database shows its schedule in Temporal at once', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'cli-push-')), 'sched-cli.json');
    await writeFile(file, JSON.stringify(pipeline('sched-cli', 0, [{ name: 'nightly', cron: '0 2 * * *' }])));
    // as an operator on the database host runs it: DATABASE_URL and the Temporal address, no API token
    const { BREWLINE_TOKEN: _token, ...env } = { ...process.env, ...t.env };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['packages/brewline-cli/bin.mjs', 'pipeline', 'push', file],
      { env },
    );
    expect(stdout).toContain('sched-cli: version 1 (new)');
    // no worker restart, no reconciliation: the schedule is there, firing onto this deployment's queue
    const [schedule] = await api().schedules.list({ pipelineSlug: 'sched-cli' });
    expect(schedule).toMatchObject({ name: 'nightly', inTemporal: true, paused: false });
    const described = await (await t.temporal()).schedule.getHandle('brewline-sched-cli-nightly').describe();
    expect(described.action).toMatchObject({ taskQueue: t.config.taskQueues.cpu });
    await api().schedules.pause({ id: schedule!.id });
  });

  it('removing a schedule from the spec removes it from Temporal', async () => {
    await api().pipelines.push({ spec: pipeline('sched-paused', 0, []) });
    expect(await api().schedules.list({ pipelineSlug: 'sched-paused' })).toEqual([]);
    await expect((await t.temporal()).schedule.getHandle('brewline-sched-paused-held').describe()).rejects.toThrow();
  });
});
