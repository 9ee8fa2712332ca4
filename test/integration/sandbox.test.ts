// Every step program runs in the sandbox: it sees only its inputs, its output folder and the system, as nobody.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { machineAddress } from '~/stack/team-databases';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
beforeAll(async () => {
  t = await testContext();
  await t.startWorkers();
});
afterAll(() => t.close());

const once = { maxAttempts: 1, initialIntervalMs: 100, backoffCoefficient: 1, maxIntervalMs: 100 };
/** Waits for the run; a failure names its failed steps' errors. */
async function expectSucceeded(runId: string) {
  const run = await t.waitForRun(runId);
  const failed = await t.db.stepRun.findMany({ where: { runId, status: 'failed' } });
  expect(failed.map((s) => `${s.stepId}: ${s.error}\n${s.log}`)).toEqual([]);
  expect(run.status).toBe('succeeded');
}

const resultOf = async (runId: string, stepId: string) =>
  (await t.db.stepRun.findFirstOrThrow({ where: { runId, stepId } })).result as {
    reached: string[];
    uid: number;
    env: string[];
    parentEnvHasDatabase: boolean;
    interfaces: string[];
  };

it('a step cannot read the worker environment, the data folder, another run, the program folder data or \
Postgres', async () => {
  const dataDir = t.config.dataDir;
  // something of another run's, and the admin's credentials file, both where a step could once read them
  const otherRun = path.join(dataDir, 'runs', 'another-run', 'items', 'x', 'secret');
  mkdirSync(otherRun, { recursive: true });
  writeFileSync(path.join(otherRun, 'result.json'), '{"secret":true}');
  writeFileSync(path.join(dataDir, 'admin-credentials.txt'), 'admin:hunter2');
  const repoData = path.resolve('.data');
  mkdirSync(repoData, { recursive: true });
  const pg = new URL(t.config.databaseUrl);
  await t.register({
    slug: 'sandbox-escapes',
    name: 'Sandbox escapes',
    params: { dongs: { type: 'string[]', default: ['a'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'first', kind: 'command', command: ['node', 'test/fixtures/steps/outputs.mjs', 'produce'], retry: once },
      {
        id: 'escape',
        kind: 'command',
        needs: ['first'],
        env: { GREETING: 'hello' },
        retry: once,
        command: [
          'node',
          'test/fixtures/steps/escape.mjs',
          ...['--read', path.join(dataDir, 'admin-credentials.txt')],
          ...['--read', otherRun],
          ...['--read', path.join(dataDir, 'runs', 'another-run')],
          ...['--read', dataDir],
          ...['--read', repoData],
          ...['--read', '/proc/1/environ'],
          ...['--read', '/root'],
          ...['--read', '{in.first}'],
          ...['--write', path.join('{in.first}', 'tampered')],
          ...['--write', 'test/fixtures/steps/tampered.mjs'],
          ...['--write', '{out}/mine.txt'],
          ...['--connect', `${pg.hostname}:${pg.port}`],
          ...['--connect', t.env.TEMPORAL_ADDRESS!],
        ],
      },
    ],
  });
  const runId = await t.trigger({ pipelineSlug: 'sandbox-escapes' });
  await expectSucceeded(runId);
  const seen = await resultOf(runId, 'escape');
  const itemDir = path.join(dataDir, 'runs', runId, 'items', 'a');
  // only its own inputs (read) and its own output folder (write) were reachable
  expect(seen.reached).toEqual([
    `read ${path.join(itemDir, 'first')}`,
    `write ${path.join(itemDir, 'escape.attempt-1')}/mine.txt`,
  ]);
  expect(seen.uid).not.toBe(0);
  expect(seen.parentEnvHasDatabase).toBe(false);
  expect(seen.env).toContain('GREETING');
  expect(seen.env).not.toContain('DATABASE_URL');
  expect(seen.env.filter((name) => name.startsWith('TEMPORAL'))).toEqual([]);
});

it('network: false leaves a step only its own loopback; by default it has a network of its own', async () => {
  await t.register({
    slug: 'sandbox-network',
    name: 'Sandbox network',
    params: { dongs: { type: 'string[]', default: ['a'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'online', kind: 'command', command: ['node', 'test/fixtures/steps/escape.mjs'], retry: once },
      {
        id: 'offline',
        kind: 'command',
        network: false,
        command: ['node', 'test/fixtures/steps/escape.mjs'],
        retry: once,
      },
    ],
  });
  const runId = await t.trigger({ pipelineSlug: 'sandbox-network' });
  await expectSucceeded(runId);
  expect((await resultOf(runId, 'online')).interfaces.sort()).toEqual(['lo', 'tap0']);
  expect((await resultOf(runId, 'offline')).interfaces).toEqual(['lo']);
});

it("a step that reaches the database server at the machine's address cannot sign in as the platform", async () => {
  // the embedded server listens beyond loopback for teams' own databases; the platform's role is loopback-only
  const platform = new URL(t.config.databaseUrl);
  const address = machineAddress();
  expect(address).toBeDefined();
  const url = `postgres://${platform.username}:${platform.password}@${address}:${platform.port}${platform.pathname}`;
  await t.register({
    slug: 'sandbox-database',
    name: 'Sandbox database',
    params: { dongs: { type: 'string[]', default: ['a'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [{ id: 'login', kind: 'command', command: ['node', 'test/fixtures/steps/pg-login.mjs', '--url', url] }],
  });
  const runId = await t.trigger({ pipelineSlug: 'sandbox-database' });
  await expectSucceeded(runId);
  expect(((await resultOf(runId, 'login')) as unknown as Record<string, string>)[url]).toMatch(
    /^refused: no pg_hba.conf entry/,
  );
});

const leftover = (marker: string) => {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

it('ending a step ends every process it started: on exit, on timeout', async () => {
  await t.register({
    slug: 'sandbox-process-tree',
    name: 'Sandbox process tree',
    params: { dongs: { type: 'string[]', default: ['a'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      // the shell exits at once and leaves a child holding its output open
      { id: 'detach', kind: 'command', command: ['sh', '-c', 'sleep 611.25 & echo hi'], retry: once },
      {
        id: 'hang',
        kind: 'command',
        command: ['sh', '-c', 'sleep 612.25 & sleep 613.25'],
        timeouts: { startToCloseMs: 1_500 },
        retry: once,
      },
    ],
  });
  const started = Date.now();
  const runId = await t.trigger({ pipelineSlug: 'sandbox-process-tree' });
  const run = await t.waitForRun(runId, 60_000);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(run.status).toBe('failed');
  const steps = await t.db.stepRun.findMany({ where: { runId }, orderBy: { stepId: 'asc' } });
  expect(steps.map((s) => [s.stepId, s.status])).toEqual([
    ['detach', 'succeeded'],
    ['hang', 'failed'],
  ]);
  expect(steps[1]!.error).toMatch(/timed out/);
  await expect.poll(() => leftover('sleep 61[123].25'), { timeout: 5_000 }).toBe('');
});

it('a worker that cannot start the sandbox refuses step programs and says how to fix it', async () => {
  // bubblewrap is not on this worker's PATH
  const broken = await testContext({ PATH: '/nonexistent-bin' });
  try {
    await broken.startWorkers();
    await broken.register({
      slug: 'no-sandbox',
      name: 'No sandbox',
      params: { dongs: { type: 'string[]', default: ['a'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [{ id: 'only', kind: 'command', command: ['/usr/bin/touch', '/tmp/ran-unsandboxed'], retry: once }],
    });
    const runId = await broken.trigger({ pipelineSlug: 'no-sandbox' });
    expect((await broken.waitForRun(runId)).status).toBe('failed');
    const [attempt] = await broken.db.stepRun.findMany({ where: { runId } });
    expect(attempt!.status).toBe('failed');
    expect(attempt!.error).toMatch(/bwrap is not installed.*apt-get install bubblewrap.*BREWLINE_SANDBOX=off/s);
  } finally {
    await broken.close();
  }
});

it('with BREWLINE_SANDBOX=off, admins (and only admins) are told in the portal', async () => {
  const off = await testContext({ BREWLINE_SANDBOX: 'off' });
  try {
    expect((await off.api('admin').auth.me())?.warnings).toEqual([expect.stringMatching(/BREWLINE_SANDBOX=off/)]);
    expect((await off.api('editor').auth.me())?.warnings).toEqual([]);
    expect((await t.api('admin').auth.me())?.warnings).toEqual([]);
  } finally {
    await off.close();
  }
});
