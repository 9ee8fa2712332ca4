// Sensor steps: a waiting item holds no worker slot, a signal wakes it at once, timeouts fail or skip it.
import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let dir: string;
const api = () => t.api('editor');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // one CPU slot: waiting sensors must not hold it
  dir = await mkdtemp(path.join(os.tmpdir(), 'sensors-'));
  // the drop folder the sensors watch, shared with the steps' sandboxes
  t = await testContext({ CPU_SLOTS: '1', BREWLINE_STEP_SHARED_DIRS: dir, BREWLINE_EGRESS_ALLOW: '127.0.0.1/32' });
  await t.startWorkers();
});
afterAll(() => t.close());

const spec = (slug: string, check: object, extra: object) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: [] }, dir: { type: 'string', default: dir } },
  items: { source: 'param', param: 'dongs' },
  maxInFlight: 100,
  steps: [
    { id: 'crawl-landed', kind: 'sensor', sensor: { check, pokeIntervalMs: 60_000, timeoutMs: 6_000, ...extra } },
    {
      id: 'process',
      kind: 'command',
      needs: ['crawl-landed'],
      command: ['node', '-e', 'console.log("processed", process.argv[1])', '{item}'],
    },
  ],
});

describe('sensors', () => {
  it('an item starts the moment its file lands and is signalled, while the others wait holding no slot', async () => {
    await api().pipelines.push({
      spec: spec('sensor-file', { type: 'file', path: '{params.dir}/{item}.json' }, { onTimeout: 'skip' }),
    });
    const dongs = Array.from({ length: 30 }, (_, i) => `dong-${i}`);
    const { runId } = await api().runs.trigger({ pipelineSlug: 'sensor-file', params: { dongs } });
    for (;;) {
      if ((await t.db.stepRun.count({ where: { runId, status: 'waiting' } })) === 30) break;
      await wait(100);
    }
    // the crawl of dong-7 lands; the crawler signals it
    const landed = Date.now();
    await writeFile(path.join(dir, 'dong-7.json'), '{}');
    expect(await api().runs.signalItem({ runId, itemKey: 'dong-7' })).toEqual({ delivered: true });
    for (;;) {
      const item = await t.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: 'dong-7' } } });
      if (item.status === 'succeeded') break;
      await wait(50);
    }
    // well before the 60 s poke interval, and through the single CPU slot although 29 sensors wait
    expect(Date.now() - landed).toBeLessThan(5_000);
    expect(await t.db.stepRun.count({ where: { runId, status: 'waiting' } })).toBe(29);

    const run = await t.waitForRun(runId, 30_000);
    // the others time out and are skipped: no failure
    expect(run).toMatchObject({ status: 'succeeded', itemsSucceeded: 1, itemsFailed: 0 });
    expect(await t.db.itemRun.count({ where: { runId, status: 'skipped' } })).toBe(29);
    const skipped = await t.db.stepRun.findFirstOrThrow({
      where: { runId, itemKey: 'dong-0', stepId: 'crawl-landed' },
    });
    expect(skipped).toMatchObject({ status: 'skipped' });
    expect(skipped.error).toMatch(/did not hold within 6000 ms/);
    expect(await t.db.stepRun.count({ where: { runId, stepId: 'process' } })).toBe(1);
  });

  it('an HTTP sensor fails its item when the endpoint never answers 2xx, and passes once it does', async () => {
    const ready = new Set<string>();
    const server = http.createServer((req, res) => {
      res.statusCode = ready.has(req.url!.slice(1)) ? 200 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await api().pipelines.push({
        spec: spec(
          'sensor-http',
          { type: 'http', url: `http://127.0.0.1:${port}/{item}` },
          { onTimeout: 'fail', pokeIntervalMs: 500 },
        ),
      });
      ready.add('up');
      const { runId } = await api().runs.trigger({ pipelineSlug: 'sensor-http', params: { dongs: ['up', 'down'] } });
      const run = await t.waitForRun(runId, 30_000);
      expect(run).toMatchObject({ status: 'partially_failed', itemsSucceeded: 1, itemsFailed: 1 });
      const down = await t.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: 'down' } } });
      expect(down.error).toMatch(/sensor "crawl-landed": not ready within 6000 ms/);
    } finally {
      server.close();
    }
  });
});

it('an HTTP sensor may not call an internal address (the portal, Temporal, a metadata service) unless \
allowed', async () => {
  const strict = await testContext({ CPU_SLOTS: '1' });
  try {
    await strict.startWorkers();
    // the Temporal frontend of this very stack, on loopback
    const internal = `http://${strict.config.temporal.address}/{item}`;
    await strict.register(spec('sensor-internal', { type: 'http', url: internal }, { pokeIntervalMs: 500 }));
    const runId = await strict.trigger({ pipelineSlug: 'sensor-internal', params: { dongs: ['a'] } });
    expect((await strict.waitForRun(runId, 30_000)).status).toBe('failed');
    const item = await strict.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: 'a' } } });
    expect(item.error).toMatch(/internal address .*BREWLINE_EGRESS_ALLOW/);
  } finally {
    await strict.close();
  }
});
