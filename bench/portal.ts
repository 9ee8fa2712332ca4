// npm run bench:portal [-- --items 5000]
// Seeds a run of N items × 6 steps (plus retries and a few failures) straight into Postgres, starts the built
// portal, and measures: the server's answer for the run page's data (runs.board over HTTP, median of 7 after a
// warm-up), and how long until the run page's grid is usable in Chromium (navigation start → the first cell
// can be clicked and shows its details). Last line: one JSON object { items, server_ms, usable_ms }.
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '~/server/db';
import { loadConfig } from '~/server/env';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { signIn } from '~/server/services/auth/sessions';
import { createUser } from '~/server/services/auth/users';
import { deployMigrations } from '~/stack/migrate';
import { launchBrowser, startPortal } from '~/stack/portal';
import { startEmbeddedPostgres } from '~/stack/postgres';
import { stopProcess } from '~/stack/processes';
import { freePort } from '~/stack/temporal-server';

const { values } = parseArgs({ options: { items: { type: 'string', default: '5000' } } });
const items = Number(values.items);
const STEPS = ['download-images', 'representative-images', 'describe-images', 'summarise-reviews', 'embed', 'load'];
const GPU = new Set(['representative-images', 'describe-images', 'summarise-reviews', 'embed']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const tmp = await mkdtemp(path.join(os.tmpdir(), 'brewline-bench-portal-'));
// a throwaway database: fsync off unless BREWLINE_PG_FAST=0 asks to measure the durable default
process.env.BREWLINE_PG_FAST ??= '1';
await chmod(tmp, 0o755);
const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port: await freePort(), database: 'bench' });
let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
try {
  await deployMigrations(pg.url);
  const db = createDb(pg.url);
  await registerPipeline(db, {
    slug: 'bench-portal',
    name: 'Portal benchmark',
    params: { dongs: { type: 'string[]', default: [] } },
    items: { source: 'param', param: 'dongs' },
    steps: STEPS.map((id, i) => ({
      id,
      kind: 'noop',
      queue: GPU.has(id) ? 'gpu' : 'cpu',
      needs: i ? [STEPS[i - 1]] : [],
    })),
  });
  const pipeline = await db.pipeline.findUniqueOrThrow({
    where: { slug: 'bench-portal' },
    include: { versions: true },
  });
  const runId = randomUUID();
  const t0 = new Date(Date.now() - 3_600_000);
  await db.run.create({
    data: {
      id: runId,
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger: 'manual',
      status: 'running',
      workflowId: `run-${runId}`,
      itemsTotal: items,
      startedAt: t0,
    },
  });
  // items: most done, some failed, some running, the rest waiting
  const statusOf = (i: number) =>
    i % 97 === 13 ? 'failed' : i < items * 0.8 ? 'succeeded' : i < items * 0.85 ? 'running' : 'pending';
  const seeded = Date.now();
  const keys = Array.from({ length: items }, (_, i) => `dong-${String(i).padStart(5, '0')}`);
  for (let from = 0; from < items; from += 2_000) {
    await db.itemRun.createMany({
      data: keys
        .slice(from, from + 2_000)
        .map((key, j) => ({ runId, key, ordinal: from + j, status: statusOf(from + j) as never })),
    });
  }
  const steps = [];
  for (let i = 0; i < items; i++) {
    const status = statusOf(i);
    const reached = status === 'pending' ? 0 : status === 'running' ? 3 : status === 'failed' ? 4 : 6;
    for (let s = 0; s < reached; s++) {
      const start = new Date(t0.getTime() + i * 500 + s * 2_000);
      const last = s === reached - 1;
      const stepStatus =
        last && status === 'running' ? 'running' : last && status === 'failed' ? 'failed' : 'succeeded';
      if (i % 50 === 7 && s === 1)
        steps.push({
          runId,
          itemKey: keys[i]!,
          stepId: STEPS[s]!,
          attempt: 1,
          queue: GPU.has(STEPS[s]!) ? 'gpu' : 'cpu',
          status: 'retrying' as never,
          error: 'CUDA out of memory',
          startedAt: start,
          endedAt: start,
        });
      steps.push({
        runId,
        itemKey: keys[i]!,
        stepId: STEPS[s]!,
        attempt: i % 50 === 7 && s === 1 ? 2 : 1,
        queue: GPU.has(STEPS[s]!) ? 'gpu' : 'cpu',
        status: stepStatus as never,
        error: stepStatus === 'failed' ? `item "${keys[i]}", step "${STEPS[s]}": exited with code 1` : null,
        log: `processing ${keys[i]}\n`,
        startedAt: start,
        endedAt: stepStatus === 'running' ? null : new Date(start.getTime() + 1_500),
      });
    }
  }
  for (let from = 0; from < steps.length; from += 5_000)
    await db.stepRun.createMany({ data: steps.slice(from, from + 5_000) });
  console.log(
    `seeded a run of ${items} items and ${steps.length} step attempts ` +
      `in ${((Date.now() - seeded) / 1000).toFixed(1)} s`,
  );

  const email = `bench-${Date.now()}@example.com`;
  await createUser(db, { email, name: 'Bench', role: 'viewer', password: 'bench password 1' });
  const limits = loadConfig({ DATABASE_URL: pg.url }).signInLimits;
  const { cookie } = await signIn({ db, limits }, { email, password: 'bench password 1', address: null });
  portal = await startPortal({ DATABASE_URL: pg.url, TEMPORAL_ADDRESS: '127.0.0.1:1' });

  const input = encodeURIComponent(JSON.stringify({ json: { runId } }));
  const server: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 8; i++) {
    const started = performance.now();
    const res = await fetch(`${portal.url}/api/trpc/runs.board?input=${input}`, {
      headers: { cookie: `brewline_session=${cookie}` },
    });
    const body = await res.arrayBuffer();
    if (!res.ok) throw new Error(`runs.board answered ${res.status}: ${Buffer.from(body).toString().slice(0, 300)}`);
    if (i > 0) server.push(performance.now() - started);
    bytes = body.byteLength;
  }
  console.log(
    `server: runs.board (the run page's data) for ${items} items answers in ${median(server).toFixed(0)} ms ` +
      `(median of ${server.length}; ${(bytes / 1024).toFixed(0)} KiB)`,
  );

  browser = await launchBrowser();
  await browser.addCookies([{ name: 'brewline_session', value: cookie, url: portal.url }]);
  const usable: number[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await browser.newPage();
    const started = performance.now();
    await page.goto(`${portal.url}/runs/${runId}`, { waitUntil: 'commit' });
    const cell = page.getByRole('button', { name: `${keys[0]} ${STEPS[0]}: succeeded` });
    await cell.click({ timeout: 30_000 });
    await page.getByRole('complementary').getByText('Attempts').first().waitFor({ timeout: 30_000 });
    usable.push(performance.now() - started);
    // scrolling to the end of the grid keeps working
    await page.getByLabel('Filter items by name').fill(keys.at(-1)!);
    await page
      .getByRole('button', { name: new RegExp(`^${keys.at(-1)} `) })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.close();
  }
  console.log(
    `browser: the run page's grid is usable ${median(usable).toFixed(0)} ms after navigation ` +
      `(median of ${usable.length}: ${usable.map((u) => u.toFixed(0)).join(', ')} ms)`,
  );
  console.log(JSON.stringify({ items, server_ms: Math.round(median(server)), usable_ms: Math.round(median(usable)) }));
  await db.$disconnect();
} finally {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  await pg.stop();
  await rm(tmp, { recursive: true, force: true });
}
