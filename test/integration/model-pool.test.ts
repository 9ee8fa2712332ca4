// Resident model runners (real Python processes speaking runners/PROTOCOL.md): kept across calls, batched
// across callers, admitted within a memory budget, restarted after a crash.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedModel } from '~/common/model-ref';
import { ModelPool, ModelUnservableError } from '~/workers/models/model-pool';
import { RunnerCrashedError, RunnerRequestError } from '~/workers/models/runner-process';

let dir: string;
let log: string;
let pool: ModelPool | undefined;
const model = (name: string, gpuMemoryMb: number, framework = 'reference'): ResolvedModel => ({
  name,
  version: 1,
  artifactUri: `file://${dir}/${name}.bin`,
  framework,
  runtime: 'python',
  gpuMemoryMb,
});
const newPool = (memoryBudgetMb: number) =>
  (pool = new ModelPool({
    memoryBudgetMb,
    batchMax: 32,
    batchWaitMs: 100,
    cwd: process.cwd(),
    environment: process.env,
    env: { BREWLINE_RUNNER_LOG: log },
  }));
type Out = { vector: number[]; model: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'model-pool-'));
  log = path.join(dir, 'batches.log');
  for (const name of ['clip', 'vlm', 'siglip']) await writeFile(path.join(dir, `${name}.bin`), `weights of ${name}`);
});
afterEach(async () => {
  await pool?.shutdown();
  pool = undefined;
});

describe('model pool', () => {
  it('keeps a runner loaded across calls and merges concurrent requests from two dongs into one batch', async () => {
    const p = newPool(10_000);
    const clip = model('clip', 500);
    const [a, b] = (await Promise.all([
      p.infer(clip, [
        { text: 'mapo-1', tag: 'mapo' },
        { text: 'mapo-2', tag: 'mapo' },
        { text: 'mapo-3', tag: 'mapo' },
      ]),
      p.infer(clip, [
        { text: 'jongno-1', tag: 'jongno' },
        { text: 'jongno-2', tag: 'jongno' },
      ]),
    ])) as [Out[], Out[]];
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(2);
    expect(p.snapshot().batchSizes).toEqual([5]);
    expect(await readFile(log, 'utf8')).toMatch(/clip@1 pid=\d+ batch=5 mapo mapo mapo jongno jongno/);
    // each caller got its own results: the same as asking alone
    const [alone] = (await p.infer(clip, [{ text: 'jongno-2' }])) as Out[];
    expect(alone!.vector).toEqual(b[1]!.vector);
    const stats = p.snapshot();
    expect(stats.loads).toBe(1);
    expect(stats.resident).toEqual([{ model: 'clip@1', memoryMb: 500, pid: expect.any(Number) }]);
  });

  it('never loads past the memory budget: the least recently used idle model is evicted', async () => {
    const p = newPool(1_000);
    await p.infer(model('clip', 400), ['a']);
    await p.infer(model('vlm', 500), ['b']);
    await p.infer(model('clip', 400), ['c']); // clip is now the most recently used
    await p.infer(model('siglip', 500), ['d']); // 400 + 500 + 500 > 1000: vlm goes
    const stats = p.snapshot();
    expect(stats.evictions).toBe(1);
    expect(stats.peakMb).toBeLessThanOrEqual(1_000);
    expect(stats.resident.map((r) => r.model).sort()).toEqual(['clip@1', 'siglip@1']);
    await expect(p.infer(model('huge', 2_000), ['x'])).rejects.toBeInstanceOf(ModelUnservableError);
    await expect(p.infer(model('mystery', 100, 'no-such-runner'), ['x'])).rejects.toThrow(
      /no runner at runners\/no-such-runner\/runner\.py/,
    );
  });

  it('restarts a runner after it crashes; the requests it held fail retryably; a bad input leaves it up', async () => {
    const p = newPool(10_000);
    const clip = model('clip', 500);
    await p.infer(clip, ['warm']);
    const firstPid = p.snapshot().resident[0]!.pid;
    await expect(p.infer(clip, ['crash'])).rejects.toBeInstanceOf(RunnerCrashedError);
    const [again] = (await p.infer(clip, ['after the crash'])) as Out[];
    expect(again!.model).toBe('clip@1');
    const secondPid = p.snapshot().resident[0]!.pid;
    expect(secondPid).not.toBe(firstPid);
    expect(p.snapshot().reloads).toBe(1);
    await expect(p.infer(clip, ['fail'])).rejects.toBeInstanceOf(RunnerRequestError);
    expect(p.snapshot().resident[0]!.pid).toBe(secondPid);
  });

  it('takes a runner that does not answer a batch in time for stuck: kills it, fails the batch retryably, restarts', async () => {
    pool = new ModelPool({
      memoryBudgetMb: 10_000,
      batchMax: 32,
      batchWaitMs: 10,
      inferTimeoutMs: 1_500,
      cwd: process.cwd(),
      environment: process.env,
    });
    const p = pool;
    const clip = model('clip', 500);
    await p.infer(clip, ['warm']);
    const stuckPid = p.snapshot().resident[0]!.pid!;
    const started = Date.now();
    const err = await p.infer(clip, ['hang']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnerCrashedError);
    expect(String(err)).toMatch(/did not answer "infer" within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await vi.waitFor(() => expect(p.snapshot().resident).toEqual([])); // killed: nothing resident
    const [after] = (await p.infer(clip, ['after'])) as Out[];
    expect(after!.model).toBe('clip@1');
    expect(p.snapshot().resident[0]!.pid).not.toBe(stuckPid);
  });
});
