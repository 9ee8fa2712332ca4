// In a real browser: what a cell displayed shows under its step on the run page (a sortable table with its true
// size, an image served from the step's files that enlarges and closes with Escape, a Vega-Lite chart drawn as SVG,
// a folding JSON tree, Markdown without raw HTML, text), and the run's Metrics section charts each metric.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactStoreFor } from '~/server/artifacts/store';
import { createUser } from '~/server/services/auth/users';
import { launchBrowser, startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let tmp: string;
let portal: { url: string; process: ChildProcess };
let browser: BrowserContext;
const password = 'e2e password 123';
const viewerEmail = `outputs-viewer-${Date.now()}@example.com`;
const slug = `cell-outputs-${randomUUID().slice(0, 8)}`;

/** A width × height PNG, a colour gradient (RGB, 8 bits). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rows.set([(x * 255) / width, (y * 255) / height, 160], y * (1 + width * 3) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

beforeAll(async () => {
  t = await testContext();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cell-outputs-'));
  await createUser(t.db, { email: viewerEmail, name: 'Olive Outputs', role: 'viewer', password });
  await t.register({
    slug,
    name: 'Cell outputs demo',
    params: { dongs: { type: 'string[]', default: ['Yeoksam-dong'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'train', title: 'Train', kind: 'noop' },
      { id: 'evaluate', title: 'Evaluate', kind: 'noop', needs: ['train'] },
    ],
  });
  portal = await startPortal(t.env);
  browser = await launchBrowser();
  await mkdir('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  await t?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A finished run with one item whose steps both succeeded, written straight to the database. */
async function insertRun(createdAt: Date): Promise<string> {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug }, include: { versions: true } });
  const run = await t.db.run.create({
    data: {
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger: 'manual',
      status: 'succeeded',
      workflowId: `cell-outputs-${randomUUID()}`,
      itemsTotal: 1,
      itemsSucceeded: 1,
      createdAt,
      startedAt: createdAt,
      endedAt: new Date(createdAt.getTime() + 5_000),
    },
  });
  await t.db.itemRun.create({ data: { runId: run.id, key: 'Yeoksam-dong', ordinal: 0, status: 'succeeded' } });
  return run.id;
}

const chart = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  data: {
    values: [
      { dong: 'Yeoksam-dong', cafes: 41 },
      { dong: 'Seogyo-dong', cafes: 57 },
    ],
  },
  mark: 'bar',
  encoding: { x: { field: 'dong', type: 'nominal' }, y: { field: 'cafes', type: 'quantitative' } },
};

it('shows each kind of display under its step, and the run metrics as charts', async () => {
  // an earlier run logged the same metric: the Metrics section compares the runs
  const earlier = await insertRun(new Date(Date.now() - 3_600_000));
  await t.db.stepMetric.createMany({
    data: [1, 2, 3].map((step) => ({
      runId: earlier,
      itemKey: 'Yeoksam-dong',
      stepId: 'train',
      attempt: 1,
      name: 'loss',
      value: 1.2 / step,
      step,
    })),
  });
  const runId = await insertRun(new Date());
  const image = png(64, 48);
  const local = path.join(tmp, 'plot.png');
  await writeFile(local, image);
  const sha256 = createHash('sha256').update(image).digest('hex');
  const uri = await artifactStoreFor(t.config).put(`${runId}/Yeoksam-dong/train/1/displays/1.png`, local, {
    contentType: 'image/png',
    sha256,
  });
  await t.db.artifact.create({
    data: {
      runId,
      itemKey: 'Yeoksam-dong',
      stepId: 'train',
      attempt: 1,
      name: 'displays/1.png',
      size: image.length,
      sha256,
      contentType: 'image/png',
      uri,
    },
  });
  const markdown =
    '## Trained well\n\nThe *loss* fell.\n\n<b id="raw-html">raw</b> <img src="x" onerror="window.__pwned = 1">\n\n' +
    '| dong | cafes |\n| --- | --- |\n| Yeoksam-dong | 41 |';
  await t.db.stepRun.createMany({
    data: [
      {
        runId,
        itemKey: 'Yeoksam-dong',
        stepId: 'train',
        attempt: 1,
        queue: 'cpu',
        status: 'succeeded',
        artifactCount: 1,
        startedAt: new Date(Date.now() - 4_000),
        endedAt: new Date(),
        displays: [
          {
            kind: 'table',
            columns: ['dong', 'cafes'],
            rows: [
              ['Seogyo-dong', 57],
              ['Yeoksam-dong', 41],
              ['Hapjeong-dong', 63],
            ],
            shape: [250, 2],
          },
          { kind: 'image', file: 'displays/1.png', width: 64, height: 48 },
          { kind: 'vega-lite', spec: chart },
          { kind: 'json', value: { best: { epoch: 3, loss: 0.4 }, losses: Array.from({ length: 120 }, (_, i) => i) } },
          { kind: 'markdown', text: markdown },
          { kind: 'text', text: 'epoch 3: loss 0.4' },
        ],
      },
      {
        runId,
        itemKey: 'Yeoksam-dong',
        stepId: 'evaluate',
        attempt: 1,
        queue: 'cpu',
        status: 'succeeded',
        startedAt: new Date(Date.now() - 1_000),
        endedAt: new Date(),
      },
    ],
  });
  await t.db.stepMetric.createMany({
    data: [
      ...[1, 2, 3].map((step) => ({ step, name: 'loss', stepId: 'train', value: 1 / step })),
      { step: null, name: 'accuracy', stepId: 'evaluate', value: 0.82 },
    ].map((m) => ({ ...m, runId, itemKey: 'Yeoksam-dong', attempt: 1 })),
  });

  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('pageerror', (err) => failures.push(err.message));
  await page.goto(`${portal.url}/signin`);
  await page.getByLabel('Email').fill(viewerEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
  await page.goto(`${portal.url}/runs/${runId}`);
  await page.getByRole('button', { name: 'Yeoksam-dong Train: succeeded' }).click();
  const panel = page.getByRole('complementary');
  const outputs = panel.getByTestId('cell-outputs');
  await outputs.waitFor();

  // the table: its true size, and sorted by a click on a header (ascending, then descending)
  await expect(outputs.getByTestId('table-shape').textContent()).resolves.toBe(
    '250 rows × 2 columns · the first 3 rows shown',
  );
  const table = outputs.getByTestId('table-output');
  const firstDong = () => table.locator('tbody tr').first().locator('td').first().textContent();
  await expect(firstDong()).resolves.toBe('Seogyo-dong');
  await table.getByRole('button', { name: 'cafes' }).click();
  await expect(firstDong()).resolves.toBe('Yeoksam-dong');
  await table.getByRole('button', { name: 'cafes' }).click();
  await expect(firstDong()).resolves.toBe('Hapjeong-dong');
  expect(await table.getByRole('columnheader', { name: 'cafes' }).getAttribute('aria-sort')).toBe('descending');

  // the image: a lazy thumbnail of the step's file, a larger view on click, closed by Escape
  const thumbnail = outputs.getByRole('button', { name: /displays\/1\.png/ }).getByRole('img');
  expect(await thumbnail.getAttribute('loading')).toBe('lazy');
  await thumbnail.scrollIntoViewIfNeeded();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(64);
  await thumbnail.click();
  const enlarged = page.getByRole('dialog', { name: 'Image displays/1.png' });
  await enlarged.waitFor();
  await expect
    .poll(() => enlarged.getByRole('img').evaluate((img: HTMLImageElement) => img.getBoundingClientRect().width))
    .toBeGreaterThan(300);
  await page.screenshot({ path: 'test-results/cell-outputs-image.png' });
  await page.keyboard.press('Escape');
  await enlarged.waitFor({ state: 'hidden' });

  // the chart, drawn by vega-embed as SVG with a bar per dong, and no actions menu
  const svg = outputs.getByTestId('vega-chart').locator('svg').first();
  await svg.waitFor();
  expect(await outputs.getByTestId('vega-chart').locator('.mark-rect path').count()).toBe(2);
  expect(await outputs.locator('.vega-actions').count()).toBe(0);

  // JSON: folds, and a long array shows its first entries then how many more
  const tree = outputs.getByTestId('json-tree');
  await tree.getByText('best:').waitFor();
  await tree.getByRole('button', { name: '… 70 more' }).click();
  await tree.getByRole('button', { name: '… 20 more' }).waitFor();
  await tree.getByText('[120 items]').click();
  await tree.getByRole('button', { name: /more$/ }).waitFor({ state: 'detached' });

  // Markdown, rendered, without the raw HTML it held
  const md = outputs.getByTestId('markdown-output');
  await md.getByRole('heading', { name: 'Trained well' }).waitFor();
  await md.getByRole('cell', { name: '41' }).waitFor();
  expect(await md.locator('#raw-html, img').count()).toBe(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

  await outputs.getByText('epoch 3: loss 0.4').waitFor();
  await page.screenshot({ path: 'test-results/cell-outputs.png', fullPage: true });

  // the run's metrics: a chart per metric across its items, and loss across the pipeline's runs
  const metrics = page.getByTestId('run-metrics');
  await metrics.getByRole('heading', { name: 'Metrics' }).waitFor();
  const loss = metrics.getByRole('article', { name: 'Metric loss' });
  await loss.getByText(/Train: 3 values · mean 0\.6111/).waitFor();
  await expect.poll(() => loss.locator('[data-testid="vega-chart"] svg').count()).toBe(2);
  const accuracy = metrics.getByRole('article', { name: 'Metric accuracy' });
  await accuracy.getByText('Evaluate: 1 value · mean 0.82 · min 0.82 · max 0.82').waitFor();
  await expect.poll(() => accuracy.locator('[data-testid="vega-chart"] svg').count()).toBe(1);
  await metrics.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/run-metrics.png', fullPage: true });
  expect(failures).toEqual([]);

  // a run whose cells logged no metrics has no Metrics section
  const quiet = await insertRun(new Date());
  const asked = page.waitForResponse((r) => r.url().includes('metrics.forRun') && r.ok());
  await page.goto(`${portal.url}/runs/${quiet}`);
  await asked;
  await page.getByRole('button', { name: 'Yeoksam-dong Train: pending' }).waitFor();
  expect(await page.getByTestId('run-metrics').count()).toBe(0);
});
