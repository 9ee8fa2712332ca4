// npm start keeps going when a worker dies: the supervisor restarts it (a new pid) and the portal stays up; a child
// that keeps crashing is given up on, saying why.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { deployMigrations } from '~/stack/migrate';
import { Supervisor } from '~/stack/supervisor';
import { freePort } from '~/stack/temporal-server';

let start: ChildProcess | undefined;
const lines: { source: string; text: string }[] = [];
let tmp: string | undefined;

afterAll(async () => {
  if (start && start.exitCode === null && start.signalCode === null) {
    // whatever the test left: the supervisor and every child it started (each in a process group of its own)
    for (const pid of pidsStarted()) killQuietly(-pid);
    start.kill('SIGKILL');
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function pidsStarted(source?: string): number[] {
  return lines
    .filter((l) => !source || l.source === source)
    .map((l) => /^started \(pid (\d+)\)$/.exec(l.text)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; output:\n${lines.map((l) => `[${l.source}] ${l.text}`).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A database of its own on the suite's server: the CPU worker reconciles every schedule it finds. */
async function freshDatabase(): Promise<string> {
  const url = new URL(inject('stack').databaseUrl);
  const name = `supervisor_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url.pathname = `/${name}`;
  await deployMigrations(url.toString());
  return url.toString();
}

it('restarts a SIGKILLed worker with a new pid while the portal keeps serving, and stops all on SIGTERM', async () => {
  const stack = inject('stack');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'brewline-supervisor-'));
  const port = await freePort();
  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: await freshDatabase(),
      TEMPORAL_ADDRESS: stack.temporalAddress,
      BREWLINE_TASK_QUEUE_PREFIX: `sup-${randomUUID().slice(0, 8)}-`,
      BREWLINE_DATA_DIR: tmp,
      BREWLINE_WORKFLOW_BUNDLE: stack.workflowBundle,
      BREWLINE_WORKER_LOG_LEVEL: 'ERROR',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  const onData = (b: Buffer) => {
    const text = partial + b.toString();
    const all = text.split('\n');
    partial = all.pop()!;
    for (const raw of all) {
      const m = /^\[(\w+)\]\s*(.*)$/.exec(stripVTControlCharacters(raw));
      if (m) lines.push({ source: m[1]!, text: m[2]!.trim() });
    }
  };
  start.stdout!.on('data', onData);
  start.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => start!.once('exit', (code) => r(code)));

  const ready = (source: string) => lines.filter((l) => l.source === source && l.text.startsWith('worker ready'));
  const portalAnswers = () =>
    fetch(`http://127.0.0.1:${port}/healthz`).then(
      async (r) => (r.ok ? ((await r.json()) as { ok: boolean }) : undefined),
      () => undefined,
    );
  await until('both workers ready', () => ready('cpu').length > 0 && ready('gpu').length > 0);
  expect(await until('the portal', portalAnswers)).toEqual({ ok: true });
  const [portalPid] = pidsStarted('portal');
  const [gpuPid] = pidsStarted('gpu');

  process.kill(gpuPid!, 'SIGKILL');
  const restarted = await until('a new GPU worker', () => pidsStarted('gpu')[1]);
  expect(restarted).not.toBe(gpuPid);
  expect(lines).toContainEqual({
    source: 'gpu',
    text: expect.stringMatching(/^exited \(SIGKILL\); restarting in 1 s/),
  });
  await until('the new GPU worker ready', () => ready('gpu').length === 2);

  // nothing else was stopped or restarted: the portal is the same process, still answering
  expect(await portalAnswers()).toEqual({ ok: true });
  expect(pidsStarted('portal')).toEqual([portalPid]);
  expect(pidsStarted('cpu')).toHaveLength(1);
  expect(lines.some((l) => /stopping/.test(l.text))).toBe(false);

  start.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(lines.at(-1)).toEqual({ source: 'brewline', text: 'stopped' });
  for (const pid of [portalPid!, restarted, pidsStarted('cpu')[0]!]) expect(alive(pid)).toBe(false);
}, 90_000);

it('gives up on a child that crashes again and again, with backoff between restarts and a reason', async () => {
  const log: string[] = [];
  const gaveUp = new Promise<string>((resolve) => {
    const supervisor = new Supervisor({
      log: (name, line) => log.push(`${name}: ${line}`),
      onGiveUp: (_, reason) => resolve(reason),
      initialBackoffMs: 100,
      maxBackoffMs: 30_000,
    });
    supervisor.start({ name: 'crasher', command: process.execPath, args: ['-e', 'process.exit(3)'], env: process.env });
  });
  expect(await gaveUp).toBe('crasher exited (code 3) after 5 restarts within 60 s; giving up on it');
  const starts = log.filter((l) => /^crasher: started \(pid \d+\)$/.test(l));
  expect(new Set(starts).size).toBe(6);
  expect(log.filter((l) => l.includes('restarting in')).map((l) => /restarting in ([\d.]+ s)/.exec(l)![1])).toEqual([
    '0.1 s',
    '0.2 s',
    '0.4 s',
    '0.8 s',
    '1.6 s',
  ]);
  // nothing is started after giving up
  await new Promise((r) => setTimeout(r, 500));
  expect(log.filter((l) => l.includes('started'))).toHaveLength(6);
});
