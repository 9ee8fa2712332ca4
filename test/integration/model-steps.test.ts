// Model steps through Temporal: GPU activities of two dongs share one resident runner and one batch; a runner
// crash fails the attempt retryably and the retry, on a restarted runner, succeeds; results name the model version.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModelVersion } from '~/server/services/models/models';
import type { Builtin } from '~/workers/activities/builtins/types';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let dir: string;
const api = () => t.api('editor');

const builtins: Record<string, Builtin> = {
  // embeds every "cafe" of the dong through the step's model; crashes the runner once when asked to
  'test.embed': async ({ itemKey, params, infer }) => {
    const crashOnce = path.join(String(params.dir), `crash-${itemKey}`);
    const inputs = Array.from({ length: 3 }, (_, i) => ({ text: `${itemKey}-cafe-${i}`, tag: itemKey }));
    if (existsSync(crashOnce)) {
      await writeFile(`${crashOnce}.done`, '');
      await import('node:fs/promises').then((fs) => fs.rm(crashOnce));
      return infer(['crash']);
    }
    const outputs = (await infer(inputs)) as { vector: number[]; model: string }[];
    return { cafes: outputs.length, model: outputs[0]!.model, dim: outputs[0]!.vector.length };
  },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'model-steps-'));
  // the runners run sandboxed as the step user, who appends to their batch log there
  await chmod(dir, 0o777);
  // the runners log their batches there (a setting of the worker's environment, read with its configuration)
  t = await testContext({
    GPU_SLOTS: '2',
    BREWLINE_BATCH_WAIT_MS: '1500',
    GPU_MEMORY_MB: '2000',
    BREWLINE_RUNNER_LOG: path.join(dir, 'batches.log'),
  });
  await t.startWorkers({ builtins });
  await writeFile(path.join(dir, 'weights.bin'), 'tiny weights');
  await registerModelVersion(t.db, 'test', {
    name: 'ref-embedder',
    task: 'image-embedding',
    artifactUri: `file://${dir}/weights.bin`,
    framework: 'reference',
    runtime: 'python',
    gpuMemoryMb: 800,
    aliases: ['production'],
  });
});
afterAll(() => t.close());

const spec = (slug: string) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: [] }, dir: { type: 'string', default: '' } },
  items: { source: 'param', param: 'dongs' },
  steps: [
    {
      id: 'embed',
      kind: 'builtin',
      builtin: 'test.embed',
      queue: 'gpu',
      model: { name: 'ref-embedder', alias: 'production' },
      retry: { maxAttempts: 3, initialIntervalMs: 100 },
    },
  ],
});

describe('model steps', () => {
  it('serves two dongs from one resident runner in one batch, and records the model version', async () => {
    const log = path.join(dir, 'batches.log');
    await api().pipelines.push({ spec: spec('model-batch') });
    const { runId } = await api().runs.trigger({
      pipelineSlug: 'model-batch',
      params: { dongs: ['mapo', 'jongno'], dir },
    });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded', itemsSucceeded: 2 });
    const results = await t.db.stepRun.findMany({ where: { runId }, orderBy: { itemKey: 'asc' } });
    expect(results.map((r) => r.result)).toEqual([
      { cafes: 3, model: 'ref-embedder@1', dim: 16 },
      { cafes: 3, model: 'ref-embedder@1', dim: 16 },
    ]);
    const batches = (await readFile(log, 'utf8')).trim().split('\n');
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatch(/ref-embedder@1 pid=\d+ batch=6 /);
    expect(batches[0]).toContain('mapo');
    expect(batches[0]).toContain('jongno');
  });

  it('a runner crash fails the attempt retryably; the retry runs on a restarted runner', async () => {
    await writeFile(path.join(dir, 'crash-seocho'), '');
    await api().pipelines.push({ spec: spec('model-crash') });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'model-crash', params: { dongs: ['seocho'], dir } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
    const attempts = await t.db.stepRun.findMany({ where: { runId }, orderBy: { attempt: 'asc' } });
    expect(attempts.map((a) => a.status)).toEqual(['retrying', 'succeeded']);
    expect(attempts[0]!.error).toMatch(/item "seocho", step "embed": the runner exited/);
    expect(attempts[1]!.result).toMatchObject({ model: 'ref-embedder@1' });
  });
});
