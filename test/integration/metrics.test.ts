// What cells displayed and the metrics they logged, read back through the API as the portal reads them: a step
// attempt's displays in order with each image's URL (the file behind it), one run's metrics per step and item, and a
// pipeline's recent runs' means; a retried step counts once, and unknown runs and pipelines are NOT_FOUND.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Display } from '~/common/displays';
import { createCaller } from '~/server/api/root';
import { artifactStoreFor } from '~/server/artifacts/store';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let tmp: string;
const suffix = randomUUID().slice(0, 8);
const slug = `metrics-demo-${suffix}`;
const otherSlug = `metrics-other-${suffix}`;
// a 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

beforeAll(async () => {
  t = await testContext();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'metrics-test-'));
  for (const s of [slug, otherSlug])
    await t.register({
      slug: s,
      name: `Metrics demo ${s}`,
      params: { dongs: { type: 'string[]', default: ['x1', 'x2'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [
        { id: 'train', kind: 'noop' },
        { id: 'evaluate', kind: 'noop', needs: ['train'] },
      ],
    });
});
afterAll(async () => {
  await t?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A finished run of the pipeline, written straight to the database (no workers: only what readers see matters). */
async function insertRun(pipelineSlug: string, createdAt = new Date()): Promise<string> {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({
    where: { slug: pipelineSlug },
    include: { versions: true },
  });
  const run = await t.db.run.create({
    data: {
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger: 'manual',
      status: 'succeeded',
      workflowId: `metrics-test-${randomUUID()}`,
      createdAt,
    },
  });
  return run.id;
}

/** A file the step kept, stored in the artifact store like the worker stores it. */
async function keepFile(runId: string, itemKey: string, stepId: string, attempt: number, name: string, bytes: Buffer) {
  const local = path.join(tmp, randomUUID());
  await writeFile(local, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const uri = await artifactStoreFor(t.config).put(`${runId}/${itemKey}/${stepId}/${attempt}/${name}`, local, {
    contentType: 'image/png',
    sha256,
  });
  return t.db.artifact.create({
    data: { runId, itemKey, stepId, attempt, name, size: bytes.length, sha256, contentType: 'image/png', uri },
  });
}

const metric = (runId: string, itemKey: string, stepId: string, attempt: number, name: string, value: number) => ({
  runId,
  itemKey,
  stepId,
  attempt,
  name,
  value,
});

describe("a step attempt's displays", () => {
  it("come back in order, typed, each image with the URL of its own attempt's file", async () => {
    const runId = await insertRun(slug);
    const firstTry = await keepFile(runId, 'x1', 'train', 1, 'displays/1.png', PNG);
    const secondTry = await keepFile(runId, 'x1', 'train', 2, 'displays/1.png', PNG);
    // another item's file of the same name is not this attempt's
    await keepFile(runId, 'x2', 'train', 2, 'displays/gone.png', PNG);
    const table = {
      kind: 'table',
      columns: ['epoch', 'loss'],
      rows: [
        [1, 0.9],
        [2, 0.5],
      ],
      shape: [300, 2],
    };
    const chart = { kind: 'vega-lite', spec: { mark: 'line', data: { values: [{ x: 1, y: 2 }] } } };
    await t.db.stepRun.createMany({
      data: [
        {
          runId,
          itemKey: 'x1',
          stepId: 'train',
          attempt: 1,
          queue: 'cpu',
          status: 'failed',
          error: 'out of memory',
          displays: [{ kind: 'image', file: 'displays/1.png' }],
        },
        {
          runId,
          itemKey: 'x1',
          stepId: 'train',
          attempt: 2,
          queue: 'cpu',
          status: 'succeeded',
          artifactCount: 1,
          displays: [
            table,
            { kind: 'image', file: './displays/1.png', width: 1, height: 1 },
            { kind: 'image', file: 'displays/gone.png' },
            chart,
            { kind: 'markdown', text: '## Trained\n\n**done**' },
            { kind: 'json', value: { best: { epoch: 2, loss: 0.5 } } },
            { kind: 'text', text: 'epoch 2: loss 0.5' },
            { kind: 'sound', file: 'beep.wav' },
          ],
        },
        { runId, itemKey: 'x1', stepId: 'evaluate', attempt: 1, queue: 'cpu', status: 'succeeded' },
      ],
    });

    const viewer = t.api('viewer');
    const { attempts } = await viewer.runs.attempts({ runId, itemKey: 'x1', stepId: 'train' });
    expectTypeOf(attempts[0]!.displays).toEqualTypeOf<Display[]>();
    expect(attempts.map((a) => a.attempt)).toEqual([2, 1]);
    const [latest, first] = [attempts[0]!.displays, attempts[1]!.displays];
    expect(latest.map((d) => d.kind)).toEqual([
      'table',
      'image',
      'image',
      'vega-lite',
      'markdown',
      'json',
      'text',
      'text',
    ]);
    expect(latest[0]).toEqual(table);
    expect(latest[1]).toEqual({
      kind: 'image',
      file: './displays/1.png',
      width: 1,
      height: 1,
      url: `/api/artifacts/${secondTry.id}`,
    });
    expect(latest[2]).toEqual({ kind: 'image', file: 'displays/gone.png', url: null });
    expect(latest[3]).toEqual(chart);
    expect(latest[7]).toEqual({ kind: 'text', text: expect.stringContaining('display 8 could not be read') });
    expect(first).toEqual([{ kind: 'image', file: 'displays/1.png', url: `/api/artifacts/${firstTry.id}` }]);

    // the URL's file is the image the cell wrote
    const shown = await viewer.runs.artifact({ id: secondTry.id });
    expect(shown.content).toEqual({ kind: 'image', dataUrl: `data:image/png;base64,${PNG.toString('base64')}` });

    // a step that displayed nothing has an empty list
    const evaluate = await viewer.runs.attempts({ runId, itemKey: 'x1', stepId: 'evaluate' });
    expect(evaluate.attempts[0]!.displays).toEqual([]);
  });
});

describe('metrics', () => {
  it("of one run: per metric and step, each item's values in step order, a retried step counted once", async () => {
    const runId = await insertRun(slug);
    await t.db.stepMetric.createMany({
      data: [
        // x2's first training attempt failed after logging: its values are not the step's
        { ...metric(runId, 'x2', 'train', 1, 'loss', 99), step: 1 },
        { ...metric(runId, 'x1', 'train', 1, 'loss', 0.9), step: 1 },
        { ...metric(runId, 'x1', 'train', 1, 'loss', 0.4), step: 2 },
        { ...metric(runId, 'x2', 'train', 2, 'loss', 0.8), step: 1 },
        { ...metric(runId, 'x2', 'train', 2, 'loss', 0.3), step: 2 },
        metric(runId, 'x1', 'evaluate', 1, 'accuracy', 0.75),
        metric(runId, 'x2', 'evaluate', 1, 'accuracy', 0.85),
        metric(runId, 'x1', 'evaluate', 1, 'loss', 0.5),
      ],
    });
    const got = await t.api('viewer').metrics.forRun({ runId });
    expect(got.truncated).toBe(false);
    expect(got.metrics.map((m) => m.name)).toEqual(['accuracy', 'loss']);
    const [accuracy, loss] = got.metrics;
    expect(accuracy!.steps).toEqual([
      {
        stepId: 'evaluate',
        count: 2,
        mean: expect.closeTo(0.8, 10),
        min: 0.75,
        max: 0.85,
        values: [
          { itemKey: 'x1', attempt: 1, step: null, value: 0.75 },
          { itemKey: 'x2', attempt: 1, step: null, value: 0.85 },
        ],
      },
    ]);
    expect(loss!.steps.map((s) => s.stepId)).toEqual(['evaluate', 'train']);
    const train = loss!.steps[1]!;
    expect(train).toMatchObject({ count: 4, mean: expect.closeTo(0.6, 10), min: 0.3, max: 0.9 });
    expect(train.values).toEqual([
      { itemKey: 'x1', attempt: 1, step: 1, value: 0.9 },
      { itemKey: 'x1', attempt: 1, step: 2, value: 0.4 },
      { itemKey: 'x2', attempt: 2, step: 1, value: 0.8 },
      { itemKey: 'x2', attempt: 2, step: 2, value: 0.3 },
    ]);
    expectTypeOf(train.values[0]!.step).toEqualTypeOf<number | null>();

    // a run whose cells logged nothing has no metrics
    const quiet = await insertRun(slug);
    expect(await t.api('viewer').metrics.forRun({ runId: quiet })).toEqual({
      runId: quiet,
      metrics: [],
      truncated: false,
    });
  });

  it("of a pipeline: the last runs' mean and count per metric, oldest run first", async () => {
    const minute = 60_000;
    const base = Date.now() + 10 * minute;
    const runs = [] as string[];
    for (const [i, losses] of [[1.0, 0.8], [0.6], [0.5, 0.3]].entries()) {
      const runId = await insertRun(slug, new Date(base + i * 2 * minute));
      runs.push(runId);
      await t.db.stepMetric.createMany({
        data: losses.map((v, n) => metric(runId, `x${n + 1}`, 'train', 1, 'loss', v)),
      });
      await t.db.stepMetric.create({ data: metric(runId, 'x1', 'evaluate', 1, 'accuracy', 0.5 + i / 10) });
    }
    // the latest run logged nothing, and another pipeline's runs are its own
    await insertRun(slug, new Date(base + 10 * minute));
    const other = await insertRun(otherSlug, new Date(base + 11 * minute));
    await t.db.stepMetric.create({ data: metric(other, 'x1', 'train', 1, 'loss', 42) });

    const viewer = t.api('viewer');
    const last2 = await viewer.metrics.forPipeline({ slug, limit: 2 });
    expect(last2.pipeline).toBe(slug);
    expect(last2.runs.map((r) => r.runId)).toEqual([runs[1], runs[2]]);
    expect(last2.runs[0]).toMatchObject({ version: 1, trigger: 'manual', status: 'succeeded' });
    expect(last2.runs[0]!.createdAt).toBeInstanceOf(Date);
    expect(last2.metrics.map((m) => m.name)).toEqual(['accuracy', 'loss']);
    const loss = last2.metrics[1]!.runs;
    expect(loss.map((r) => [r.runId, r.stepId, r.count])).toEqual([
      [runs[1], 'train', 1],
      [runs[2], 'train', 2],
    ]);
    expect(loss[0]!.mean).toBeCloseTo(0.6, 10);
    expect(loss[1]!.mean).toBeCloseTo(0.4, 10);

    const onlyAccuracy = await viewer.metrics.forPipeline({ slug, name: 'accuracy', limit: 3 });
    expect(onlyAccuracy.metrics.map((m) => m.name)).toEqual(['accuracy']);
    expect(onlyAccuracy.metrics[0]!.runs.map((r) => [r.runId, r.mean])).toEqual([
      [runs[0], expect.closeTo(0.5, 10)],
      [runs[1], expect.closeTo(0.6, 10)],
      [runs[2], expect.closeTo(0.7, 10)],
    ]);
    expect((await viewer.metrics.forPipeline({ slug, name: 'no such metric', limit: 5 })).runs).toEqual([]);
  });

  it('refuses unknown runs and pipelines (NOT_FOUND), signed-out callers, and tokens without the runs \
scope', async () => {
    const viewer = t.api('viewer');
    const nobody = randomUUID();
    await expect(viewer.metrics.forRun({ runId: nobody })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(viewer.runs.attempts({ runId: nobody, itemKey: 'x1', stepId: 'train' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(viewer.metrics.forPipeline({ slug: `no-such-${suffix}`, limit: 5 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(viewer.metrics.forRun({ runId: 'not-a-uuid' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const runId = await insertRun(slug);
    const signedOut = createCaller({ db: t.db, temporal: t.temporal, config: t.config, actor: null });
    await expect(signedOut.metrics.forRun({ runId })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const modelsToken = t.api({ kind: 'token', id: 'tok', name: 'models only', role: 'viewer', scopes: ['models'] });
    await expect(modelsToken.metrics.forPipeline({ slug, limit: 5 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
