// S3-compatible storage (a real S3 API server, s3rver, in this process): the artifact store in a bucket, and
// sensors waiting for objects to land, model weights fetched from a bucket.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client } from '~/server/artifacts/s3';
import { runnerPython } from '~/stack/runner-python';
import { ModelPool } from '~/workers/models/model-pool';
import { createWeightsResolver, WeightsUnavailableError } from '~/workers/models/model-weights';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let server: S3rver;
let s3: S3Client;
const api = () => t.api('editor');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STEP = 'test/fixtures/steps/outputs.mjs';

beforeAll(async () => {
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: await mkdtemp(path.join(os.tmpdir(), 's3rver-')),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // the SDK's usual credential variables
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  s3 = createS3Client({ endpoint, region: 'us-east-1', forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'brewline-artifacts' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'brewline-drops' }));
  t = await testContext({
    BREWLINE_ARTIFACT_S3_BUCKET: 'brewline-artifacts',
    BREWLINE_ARTIFACT_S3_PREFIX: 'team-a/',
    BREWLINE_S3_ENDPOINT: endpoint,
  });
  await t.startWorkers();
});
afterAll(async () => {
  s3?.destroy();
  await t?.close();
  await server?.close();
});

describe('S3-compatible storage', () => {
  it('keeps step files in the bucket with their checksums and serves them back through the API', async () => {
    await api().pipelines.push({
      spec: {
        slug: 's3-artifacts',
        name: 'S3 artifacts',
        params: { items: { type: 'string[]', default: [] } },
        items: { source: 'param', param: 'items' },
        steps: [
          { id: 'produce', kind: 'command', command: ['node', STEP, 'produce'] },
          {
            id: 'consume',
            kind: 'command',
            needs: ['produce'],
            command: ['node', STEP, 'consume', '--count', '{in.produce.result.count}', '--label', 'x'],
          },
        ],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 's3-artifacts', params: { items: ['hapjeong'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
    const files = await api().runs.artifacts({ runId, itemKey: 'hapjeong' });
    expect(files.map((f) => `${f.stepId}/${f.name}`)).toEqual([
      'produce/cafes.json',
      'produce/notes/readme.txt',
      'produce/pixel.png',
    ]);
    const row = await t.db.artifact.findUniqueOrThrow({ where: { id: files[0]!.id } });
    expect(row.uri).toBe(`s3://brewline-artifacts/team-a/runs/${runId}/items/hapjeong/produce/1/cafes.json`);
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: 'brewline-artifacts',
        Key: `team-a/runs/${runId}/items/hapjeong/produce/1/cafes.json`,
      }),
    );
    expect(head.Metadata?.sha256).toBe(row.sha256);
    expect((await api().runs.artifact({ id: row.id })).content).toEqual({
      kind: 'json',
      value: [{ item: 'hapjeong', name: 'cafe of hapjeong' }],
    });
  });

  it('an S3 sensor waits for an object (exact key or pattern) and a signal wakes it at once', async () => {
    await api().pipelines.push({
      spec: {
        slug: 's3-sensor',
        name: 'S3 sensor',
        params: { dongs: { type: 'string[]', default: [] } },
        items: { source: 'param', param: 'dongs' },
        steps: [
          {
            id: 'landed',
            kind: 'sensor',
            sensor: {
              check: { type: 's3', bucket: 'brewline-drops', key: 'crawl/{item}/part-*.json' },
              pokeIntervalMs: 60_000,
              timeoutMs: 8_000,
            },
          },
          { id: 'process', kind: 'noop', needs: ['landed'] },
        ],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 's3-sensor', params: { dongs: ['yeonnam', 'sinsa'] } });
    while ((await t.db.stepRun.count({ where: { runId, status: 'waiting' } })) < 2) await wait(100);
    // a look-alike in another folder does not count
    await s3.send(new PutObjectCommand({ Bucket: 'brewline-drops', Key: 'crawl/yeonnam-old/part-0.json', Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: 'brewline-drops', Key: 'crawl/yeonnam/part-0.json', Body: '{}' }));
    const landed = Date.now();
    await api().runs.signalItem({ runId, itemKey: 'yeonnam' });
    while (
      (await t.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: 'yeonnam' } } })).status !== 'succeeded'
    )
      await wait(50);
    expect(Date.now() - landed).toBeLessThan(5_000);
    // sinsa never lands: it fails at its timeout, naming the sensor
    const run = await t.waitForRun(runId, 30_000);
    expect(run).toMatchObject({ status: 'partially_failed', itemsSucceeded: 1, itemsFailed: 1 });
    const sinsa = await t.db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: 'sinsa' } } });
    expect(sinsa.error).toMatch(/sensor "landed": not ready within 8000 ms/);
  });

  it('model weights in a bucket: a save_pretrained folder is fetched once into the cache and served by its \
runner', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'brewline-models' }));
    const folder = path.join(inject('stack').tmpDir, 'models', 'siglip2');
    for (const name of await readdir(folder))
      await s3.send(
        new PutObjectCommand({
          Bucket: 'brewline-models',
          Key: `cafe/siglip-v2/${name}`,
          Body: await readFile(path.join(folder, name)),
        }),
      );
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'model-cache-'));
    const weights = createWeightsResolver({ cacheDir, s3: () => s3 });
    const pool = new ModelPool({
      memoryBudgetMb: 1_000,
      batchMax: 8,
      batchWaitMs: 10,
      cwd: process.cwd(),
      environment: process.env,
      weights,
      // the built-in embedder code in its folder, as the worker writes a registered version's code
      prepareCode: async () => ({
        dir: path.resolve('models/image-text-embedder'),
        python: runnerPython(process.cwd(), process.env.BREWLINE_PYTHON),
      }),
    });
    const model = {
      name: 'siglip',
      version: 2,
      artifactUri: 's3://brewline-models/cafe/siglip-v2',
      framework: 'transformers',
      runtime: 'python',
      gpuMemoryMb: 64,
      code: { entrypoint: 'model.py:Model', files: {} },
    };
    try {
      const [out] = (await pool.infer(model, [{ text: 'a quiet cafe' }])) as { vector: number[]; model: string }[];
      expect(out).toMatchObject({ model: 'siglip@2' });
      expect(out!.vector).toHaveLength(32);
      const local = await weights(model.artifactUri);
      expect((await readdir(local)).sort()).toEqual([...(await readdir(folder)), '.brewline-weights.json'].sort());
      // cached: found again without the bucket
      await s3.send(new DeleteObjectCommand({ Bucket: 'brewline-models', Key: 'cafe/siglip-v2/config.json' }));
      expect(await weights(model.artifactUri)).toBe(local);
      await expect(weights('s3://brewline-models/cafe/nothing-here')).rejects.toBeInstanceOf(WeightsUnavailableError);
      expect(await readdir(cacheDir)).toHaveLength(1); // nothing half-fetched left behind
    } finally {
      await pool.shutdown();
    }
  });
});
