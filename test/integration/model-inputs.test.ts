// Hostile model inputs through Temporal (issue 12): a file an input names must lie in the step's own folder or those
// of the steps it needs, or the step fails as bad input before any runner reads it; a bad input in a batch merged
// from two dongs fails only its own dong's step.
import { chmod, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModelVersion } from '~/server/services/models/models';
import type { Builtin } from '~/workers/activities/builtins/types';
import { type TestContext, testContext } from '../support/stack';

let t: TestContext;
let dir: string;
let log: string;
const api = () => t.api('editor');

const builtins: Record<string, Builtin> = {
  // writes a menu into its own folder and embeds the files the item asks for (tagged with the item, for the log)
  'test.embedFiles': async ({ itemKey, outDir, infer }) => {
    const menu = path.join(outDir, 'menu.txt');
    await writeFile(menu, `menu of ${itemKey}`);
    const secret = path.join(dir, 'secret.txt');
    const files: Record<string, string[]> = {
      own: [menu],
      linked: [menu, path.join(outDir, 'also-menu.txt')],
      outside: [menu, secret],
      escaping: [menu, path.join(outDir, 'escape.txt')],
      // beside its folder, named by a path that starts inside it (and by a name that starts as its folder's does)
      climbing: [`${outDir}/../${path.basename(outDir)}-copy.txt`],
    };
    await writeFile(`${outDir}-copy.txt`, 'a copy beside the folder');
    await symlink(menu, path.join(outDir, 'also-menu.txt'));
    await symlink(secret, path.join(outDir, 'escape.txt'));
    // a vision-language model's input names its images in a list: each is checked
    const inputs =
      itemKey === 'listed'
        ? [{ images: [menu, secret], tag: itemKey }]
        : files[itemKey]!.map((p) => ({ path: p, tag: itemKey }));
    const outputs = (await infer(inputs)) as { vector: number[] }[];
    return { vectors: outputs.length };
  },
  // embeds three texts; the dong "broken" has a bad one among them
  'test.embedTexts': async ({ itemKey, infer }) => {
    const texts = [`${itemKey}-1`, itemKey === 'broken' ? 'fail' : `${itemKey}-2`, `${itemKey}-3`];
    const outputs = (await infer(texts.map((text) => ({ text, tag: itemKey })))) as { vector: number[] }[];
    return { vectors: outputs.length };
  },
};

const spec = (slug: string, builtin: string) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: [] } },
  items: { source: 'param', param: 'dongs' },
  steps: [
    {
      id: 'embed',
      kind: 'builtin',
      builtin,
      queue: 'gpu',
      model: { name: 'input-checker', alias: 'production' },
      retry: { maxAttempts: 3, initialIntervalMs: 100 },
    },
  ],
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'model-inputs-'));
  // the runners run sandboxed as the step user, who appends to their batch log there
  await chmod(dir, 0o777);
  log = path.join(dir, 'batches.log');
  t = await testContext({
    GPU_SLOTS: '4',
    BREWLINE_BATCH_WAIT_MS: '1500',
    GPU_MEMORY_MB: '2000',
    BREWLINE_RUNNER_LOG: log,
  });
  await t.startWorkers({ builtins });
  await writeFile(path.join(dir, 'weights.bin'), 'tiny weights');
  await writeFile(path.join(dir, 'secret.txt'), 'the worker’s secret');
  await registerModelVersion(t.db, 'test', {
    name: 'input-checker',
    task: 'text-embedding',
    artifactUri: `file://${dir}/weights.bin`,
    framework: 'reference',
    runtime: 'python',
    gpuMemoryMb: 500,
    aliases: ['production'],
  });
});
afterAll(() => t.close());

describe('model inputs', () => {
  it('a file outside the step’s folders fails its step as bad input, and no runner reads it', async () => {
    await api().pipelines.push({ spec: spec('model-files', 'test.embedFiles') });
    const dongs = ['own', 'linked', 'outside', 'escaping', 'climbing', 'listed'];
    const { runId } = await api().runs.trigger({ pipelineSlug: 'model-files', params: { dongs } });
    expect(await t.waitForRun(runId)).toMatchObject({ itemsSucceeded: 2, itemsFailed: 4 });
    const steps = await t.db.stepRun.findMany({ where: { runId } });
    const byDong = Object.fromEntries(steps.map((s) => [s.itemKey, s]));
    expect(steps).toHaveLength(dongs.length); // one attempt each: bad input is not retried
    expect(byDong.own).toMatchObject({ status: 'succeeded', result: { vectors: 1 } });
    expect(byDong.linked).toMatchObject({ status: 'succeeded', result: { vectors: 2 } });
    expect(byDong.outside!.error).toMatch(
      new RegExp(
        'item "outside", step "embed": bad input: input 1: path ".*secret\\.txt" ' +
          'is outside the folders this step may read',
      ),
    );
    expect(byDong.escaping!.error).toMatch(/bad input: input 1: path ".*escape\.txt" is outside the folders/);
    expect(byDong.climbing!.error).toMatch(
      /bad input: input 0: path ".*\/\.\.\/embed\.attempt-1-copy\.txt" is outside/,
    );
    expect(byDong.listed!.error).toMatch(/bad input: input 0: images\[1\] ".*secret\.txt" is outside the folders/);
    const batches = await readFile(log, 'utf8');
    for (const dong of ['outside', 'escaping', 'climbing', 'listed']) expect(batches).not.toContain(dong);
  });

  it('a bad input in a batch merged from two dongs fails only its own dong’s step, at once', async () => {
    await api().pipelines.push({ spec: spec('model-merged', 'test.embedTexts') });
    const { runId } = await api().runs.trigger({
      pipelineSlug: 'model-merged',
      params: { dongs: ['broken', 'mapo'] },
    });
    expect(await t.waitForRun(runId)).toMatchObject({
      status: 'partially_failed',
      itemsSucceeded: 1,
      itemsFailed: 1,
    });
    const steps = await t.db.stepRun.findMany({ where: { runId } });
    const byDong = Object.fromEntries(steps.map((s) => [s.itemKey, s]));
    expect(steps).toHaveLength(2);
    expect(byDong.mapo).toMatchObject({ status: 'succeeded', result: { vectors: 3 } });
    expect(byDong.broken).toMatchObject({ status: 'failed' });
    expect(byDong.broken!.error).toMatch(/item "broken", step "embed": input 1: this input cannot be embedded/);
    // both dongs' texts went to the runner in one batch
    expect(await readFile(log, 'utf8')).toMatch(/input-checker@1 pid=\d+ batch=6 (?=.*broken)(?=.*mapo)/);
  });
});
