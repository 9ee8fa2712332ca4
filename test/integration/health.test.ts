// Health endpoints for probes: the built portal's /healthz and /readyz, and a worker process's health server; readyz
// answers 503 naming what it cannot reach.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '~/server/db';
import { databaseProbe, temporalProbe } from '~/server/presenters/health';
import { freePort } from '~/stack/temporal-server';
import { startHealthServer } from '~/workers/health';
import { startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const started: ChildProcess[] = [];
beforeAll(async () => {
  t = await testContext();
});
afterAll(async () => {
  await Promise.all(started.map((c) => stopProcess(c)));
  await t.close();
});

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** A port nothing listens on. */
const closedAddress = async () => `127.0.0.1:${await freePort()}`;

describe('the portal', () => {
  it('answers healthz, and readyz with its database and Temporal reachable', async () => {
    const portal = await startPortal(t.env);
    started.push(portal.process);
    expect(await get(`${portal.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect(await get(`${portal.url}/readyz`)).toEqual({ status: 200, body: { database: 'ok', temporal: 'ok' } });
  });

  it('answers readyz 503 naming Temporal when it cannot reach it, and stays live', async () => {
    const portal = await startPortal({ ...t.env, TEMPORAL_ADDRESS: await closedAddress() });
    started.push(portal.process);
    const ready = await get(`${portal.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.database).toBe('ok');
    expect(ready.body.temporal).toMatch(/^(unreachable|timed out)$/);
    expect(await get(`${portal.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('a worker', () => {
  it('with BREWLINE_WORKER_HEALTH_PORT=0 prints the port it took and answers healthz and readyz', async () => {
    const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--queues', 'gpu'], {
      env: { ...process.env, ...t.env, BREWLINE_WORKER_HEALTH_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(worker);
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (b: Buffer) => {
        output += b.toString();
        const m = /health server on port (\d+)/.exec(output);
        if (m && output.includes('worker ready')) resolve(Number(m[1]));
      };
      worker.stdout!.on('data', onData);
      worker.stderr!.on('data', onData);
      worker.once('exit', (code) => reject(new Error(`the worker exited (${code}):\n${output}`)));
    });
    expect(port).toBeGreaterThan(0);
    expect(await get(`http://127.0.0.1:${port}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect(await get(`http://127.0.0.1:${port}/readyz`)).toEqual({
      status: 200,
      body: { database: 'ok', temporal: 'ok' },
    });
    // SIGTERM drains the worker and closes its health server with it
    await stopProcess(worker);
    expect(worker.exitCode).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('answers readyz 503 naming the database when its DATABASE_URL reaches no database', async () => {
    const badDb = createDb(`postgresql://brewline:brewline@${await closedAddress()}/brewline`);
    const logged: string[] = [];
    const health = await startHealthServer({
      port: 0,
      probes: { database: databaseProbe(badDb), temporal: temporalProbe(t.temporal) },
      log: (line) => logged.push(line),
    });
    try {
      expect(await get(`http://127.0.0.1:${health.port}/readyz`)).toEqual({
        status: 503,
        body: { database: 'unreachable', temporal: 'ok' },
      });
      // the cause is in the worker's log, not in the unauthenticated answer
      expect(logged.join('\n')).toMatch(/^readiness: database unreachable: .*Can't reach database server/);
      expect(await get(`http://127.0.0.1:${health.port}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    } finally {
      await health.close();
      await badDb.$disconnect();
    }
  });
});
