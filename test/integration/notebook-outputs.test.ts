// The notebook page's stored outputs (notebooks.outputs), read through the API as the portal reads them: for one
// item, each cell's latest attempt among all the pipeline's runs (a cell run newer than the full run wins), with
// its log tail, displays (images with their file's URL), result, error, metrics and files; other items' outputs
// are not mixed in, a viewer may read them, and an unknown pipeline is NOT_FOUND.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactStoreFor } from '~/server/artifacts/store';
import type { RunTrigger } from '~/server/generated/prisma/enums';
import { CELL_LOG_TAIL } from '~/server/presenters/cell-outputs';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let tmp: string;
const suffix = randomUUID().slice(0, 8);
const slug = `nb-outputs-${suffix}`;
const otherSlug = `nb-outputs-other-${suffix}`;
// a 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

beforeAll(async () => {
  t = await testContext();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'nb-outputs-test-'));
  for (const s of [slug, otherSlug])
    await t.register({
      slug: s,
      name: `Stored outputs ${s}`,
      params: { dongs: { type: 'string[]', default: ['mapo', 'hapjeong'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [
        { id: 'intro', kind: 'markdown', markdown: '# Letters per dong' },
        { id: 'load', kind: 'python', code: 'print("load")' },
        { id: 'report', kind: 'shell', needs: ['load'], code: 'echo report' },
        { id: 'summary', kind: 'python', scope: 'after', needs: ['report'], code: 'print("summary")' },
      ],
    });
});
afterAll(async () => {
  await t?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A finished run of the pipeline with its items, written straight to the database (what readers see matters). */
async function insertRun(pipelineSlug: string, trigger: RunTrigger, createdAt: Date, items: string[]) {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({
    where: { slug: pipelineSlug },
    include: { versions: true },
  });
  const run = await t.db.run.create({
    data: {
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger,
      status: 'succeeded',
      workflowId: `nb-outputs-test-${randomUUID()}`,
      createdAt,
      items: { create: items.map((key, ordinal) => ({ key, ordinal, status: 'succeeded' })) },
    },
  });
  return run.id;
}

interface Attempt {
  itemKey: string;
  stepId: string;
  attempt?: number;
  status?: 'succeeded' | 'failed';
  startedAt: Date;
  log?: string;
  logTruncated?: boolean;
  error?: string;
  result?: object;
  displays?: object[];
  artifactCount?: number;
}

async function insertAttempts(runId: string, attempts: Attempt[]) {
  await t.db.stepRun.createMany({
    data: attempts.map((a) => ({
      runId,
      queue: 'cpu',
      attempt: 1,
      status: 'succeeded' as const,
      endedAt: new Date(a.startedAt.getTime() + 1_000),
      ...a,
    })),
  });
}

/** A file the step kept, stored in the artifact store like the worker stores it. */
async function keepFile(
  runId: string,
  itemKey: string,
  stepId: string,
  attempt: number,
  name: string,
  bytes = PNG,
  contentType = 'image/png',
) {
  const local = path.join(tmp, randomUUID());
  await writeFile(local, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const uri = await artifactStoreFor(t.config).put(`${runId}/${itemKey}/${stepId}/${attempt}/${name}`, local, {
    contentType,
    sha256,
  });
  return t.db.artifact.create({
    data: { runId, itemKey, stepId, attempt, name, size: bytes.length, sha256, contentType, uri },
  });
}

let fullRun: string;
let cellRun: string;
let imageId: string;
let csvId: string;
const longLog = `${'x'.repeat(CELL_LOG_TAIL)}\nthe last line of a long log`;

beforeAll(async () => {
  // the full run, an hour ago: load failed once on mapo, then succeeded; report and summary ran after it
  fullRun = await insertRun(slug, 'manual', minutesAgo(60), ['hapjeong', 'mapo']);
  await insertAttempts(fullRun, [
    { itemKey: 'mapo', stepId: 'load', attempt: 1, status: 'failed', startedAt: minutesAgo(59), error: 'no network' },
    {
      itemKey: 'mapo',
      stepId: 'load',
      attempt: 2,
      startedAt: minutesAgo(58),
      log: 'load v1 on mapo\n',
      result: { letters: 4, from: 'full run' },
      displays: [{ kind: 'table', columns: ['dong', 'letters'], rows: [['mapo', 4]] }],
    },
    {
      itemKey: 'mapo',
      stepId: 'report',
      startedAt: minutesAgo(57),
      log: longLog,
      displays: [
        { kind: 'image', file: './displays//chart.png' },
        { kind: 'markdown', text: '**mapo** has 4' },
      ],
      result: { report: 'mapo' },
      artifactCount: 2,
    },
    { itemKey: 'hapjeong', stepId: 'load', startedAt: minutesAgo(58), log: 'load v1 on hapjeong\n' },
    { itemKey: '', stepId: 'summary', startedAt: minutesAgo(50), log: 'summary of 2 dongs\n', result: { dongs: 2 } },
  ]);
  imageId = (await keepFile(fullRun, 'mapo', 'report', 1, 'displays/chart.png')).id;
  csvId = (
    await keepFile(fullRun, 'mapo', 'report', 1, 'letters.csv', Buffer.from('dong,letters\nmapo,4\n'), 'text/csv')
  ).id;
  // hapjeong's file of the same step is not mapo's
  await keepFile(fullRun, 'hapjeong', 'report', 1, 'letters.csv', Buffer.from('x'), 'text/csv');
  await t.db.stepMetric.createMany({
    data: [
      { runId: fullRun, itemKey: 'mapo', stepId: 'load', attempt: 2, name: 'loss', value: 0.9, step: 1 },
      { runId: fullRun, itemKey: 'mapo', stepId: 'load', attempt: 2, name: 'loss', value: 0.4, step: 2 },
      { runId: fullRun, itemKey: 'mapo', stepId: 'load', attempt: 2, name: 'letters', value: 4 },
      // the failed attempt's metrics are not the output's
      { runId: fullRun, itemKey: 'mapo', stepId: 'load', attempt: 1, name: 'loss', value: 7, step: 3 },
    ],
  });

  // ten minutes ago, a person ran "load" again on its own on mapo, with edited code
  cellRun = await insertRun(slug, 'dev', minutesAgo(10), ['mapo']);
  await insertAttempts(cellRun, [
    { itemKey: 'mapo', stepId: 'load', startedAt: minutesAgo(10), log: 'load v2 on mapo\n', result: { letters: 4 } },
  ]);

  // the same steps of another pipeline ran on mapo later still: not this notebook's
  const other = await insertRun(otherSlug, 'manual', minutesAgo(5), ['mapo']);
  await insertAttempts(other, [
    { itemKey: 'mapo', stepId: 'report', startedAt: minutesAgo(5), log: 'another pipeline\n' },
  ]);
});

it("shows each cell's latest attempt on the item across runs: a cell run newer than the full run wins", async () => {
  const outputs = await t.api('editor').notebooks.outputs({ slug, itemKey: 'mapo' });
  expect(outputs.itemKey).toBe('mapo');
  expect(Object.keys(outputs.cells).sort()).toEqual(['load', 'report', 'summary']);

  const load = outputs.cells.load!;
  expect(load).toMatchObject({ runId: cellRun, trigger: 'dev', itemKey: 'mapo', attempt: 1, status: 'succeeded' });
  expect(load.log).toBe('load v2 on mapo\n');
  expect(load.result).toEqual({ letters: 4 });
  // the cell run logged no metrics: the full run's are not shown as its
  expect(load.metrics).toEqual([]);

  const report = outputs.cells.report!;
  expect(report).toMatchObject({ runId: fullRun, trigger: 'manual', attempt: 1, status: 'succeeded', error: null });
  expect(report.result).toEqual({ report: 'mapo' });
  // the image comes with the URL of the file the attempt kept; the log is its tail
  expect(report.displays).toEqual([
    { kind: 'image', file: './displays//chart.png', url: `/api/artifacts/${imageId}` },
    { kind: 'markdown', text: '**mapo** has 4' },
  ]);
  expect(report.log).toHaveLength(CELL_LOG_TAIL);
  expect(report.log.endsWith('\nthe last line of a long log')).toBe(true);
  expect(report.logTruncated).toBe(true);
  // the files it kept, by name
  expect(report.fileCount).toBe(2);
  expect(report.files).toEqual([
    {
      id: imageId,
      name: 'displays/chart.png',
      size: PNG.length,
      contentType: 'image/png',
      url: `/api/artifacts/${imageId}`,
    },
    { id: csvId, name: 'letters.csv', size: 20, contentType: 'text/csv', url: `/api/artifacts/${csvId}` },
  ]);
  expect(load.files).toEqual([]);

  // a run-level step shows the latest run's output whatever the item
  expect(outputs.cells.summary).toMatchObject({ runId: fullRun, itemKey: '', log: 'summary of 2 dongs\n' });
  // the items of the latest full run, to pick from
  expect(outputs.items).toEqual(['hapjeong', 'mapo']);
});

it('shows the latest attempt of a retried step, with the metrics it logged', async () => {
  const hapjeong = await t.api('editor').notebooks.outputs({ slug, itemKey: 'hapjeong' });
  expect(hapjeong.cells.load).toMatchObject({ runId: fullRun, log: 'load v1 on hapjeong\n', metrics: [] });

  // with the cell run's attempt older than the full run's, "load" on mapo is the full run's second attempt
  await t.db.stepRun.updateMany({ where: { runId: cellRun }, data: { startedAt: minutesAgo(70) } });
  try {
    const mapo = await t.api('editor').notebooks.outputs({ slug, itemKey: 'mapo' });
    const load = mapo.cells.load!;
    expect(load).toMatchObject({ runId: fullRun, attempt: 2, status: 'succeeded', error: null });
    expect(load.displays).toEqual([{ kind: 'table', columns: ['dong', 'letters'], rows: [['mapo', 4]] }]);
    expect(load.metrics).toEqual([
      { name: 'letters', count: 1, min: 4, max: 4, last: 4, lastStep: null },
      { name: 'loss', count: 2, min: 0.4, max: 0.9, last: 0.4, lastStep: 2 },
    ]);
  } finally {
    await t.db.stepRun.updateMany({ where: { runId: cellRun }, data: { startedAt: minutesAgo(10) } });
  }
});

it("does not mix in other items' outputs; the latest run's first item when none is named", async () => {
  const hapjeong = await t.api('editor').notebooks.outputs({ slug, itemKey: 'hapjeong' });
  // report never ran on hapjeong: no output, though it ran on mapo
  expect(Object.keys(hapjeong.cells).sort()).toEqual(['load', 'summary']);
  expect(hapjeong.cells.load).toMatchObject({ runId: fullRun, itemKey: 'hapjeong', log: 'load v1 on hapjeong\n' });

  const nowhere = await t.api('editor').notebooks.outputs({ slug, itemKey: 'sinchon' });
  expect(nowhere.itemKey).toBe('sinchon');
  expect(Object.keys(nowhere.cells)).toEqual(['summary']);

  // where the person left off: the latest run is the cell run on mapo (the full run's first item is hapjeong)
  const first = await t.api('editor').notebooks.outputs({ slug });
  expect(first.itemKey).toBe('mapo');
  expect(first.cells.load?.runId).toBe(cellRun);
});

it("takes the latest run's first item when the items do not come from a param", async () => {
  const fromFile = `nb-outputs-file-${suffix}`;
  await t.register({
    slug: fromFile,
    name: 'Items from a file',
    items: { source: 'file', path: 'dongs.txt' },
    steps: [{ id: 'load', kind: 'python', code: 'print(1)' }],
  });
  const runId = await insertRun(fromFile, 'manual', minutesAgo(3), ['yeonnam', 'mapo']);
  await insertAttempts(runId, [{ itemKey: 'yeonnam', stepId: 'load', startedAt: minutesAgo(3), log: 'yeonnam\n' }]);
  const outputs = await t.api('viewer').notebooks.outputs({ slug: fromFile });
  expect(outputs).toMatchObject({ itemKey: 'yeonnam', items: ['yeonnam', 'mapo'] });
  expect(outputs.cells.load?.log).toBe('yeonnam\n');
});

it('lets a viewer read them; an unknown pipeline is NOT_FOUND', async () => {
  const viewer = t.api('viewer');
  const outputs = await viewer.notebooks.outputs({ slug, itemKey: 'mapo' });
  expect(outputs.cells.report?.result).toEqual({ report: 'mapo' });
  await expect(viewer.notebooks.outputs({ slug: `nobody-${suffix}`, itemKey: 'mapo' })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
  // a pipeline that never ran: no outputs, no items; the items param's first default is the item
  await t.register({
    slug: `nb-outputs-new-${suffix}`,
    name: 'Never ran',
    params: { dongs: { type: 'string[]', default: ['mapo'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [{ id: 'load', kind: 'python', code: 'print(1)' }],
  });
  expect(await viewer.notebooks.outputs({ slug: `nb-outputs-new-${suffix}` })).toEqual({
    itemKey: 'mapo',
    items: [],
    cells: {},
  });
});
