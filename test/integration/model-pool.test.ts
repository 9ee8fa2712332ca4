// Resident model runners (real Python processes speaking runners/PROTOCOL.md): kept across calls, batched
// across callers, admitted within a memory budget, restarted after a crash; a bad input or an output JSON cannot
// carry fails only its caller, at once.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

  it('takes a runner that does not answer a batch in time for stuck: kills it, fails the batch retryably, \
restarts', async () => {
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

describe('hostile inputs in a merged batch', () => {
  const patientPool = (inferTimeoutMs: number, cwd = process.cwd()) =>
    (pool = new ModelPool({
      memoryBudgetMb: 10_000,
      batchMax: 32,
      batchWaitMs: 200,
      inferTimeoutMs,
      cwd,
      python: path.resolve('.venv/bin/python'),
      environment: process.env,
      env: { BREWLINE_RUNNER_LOG: log },
    }));

  it('a bad input fails only its own caller, naming its position there; the other dong gets its outputs', async () => {
    const p = newPool(10_000);
    const clip = model('clip', 500);
    const [mapo, jongno] = await Promise.allSettled([
      p.infer(clip, [{ text: 'mapo-1' }, { text: 'mapo-2' }, { text: 'fail' }]),
      p.infer(clip, [{ text: 'jongno-1' }, { text: 'jongno-2' }]),
    ]);
    expect(p.snapshot().batchSizes).toEqual([5]); // one batch of both
    expect(mapo.status).toBe('rejected');
    const err = (mapo as PromiseRejectedResult).reason as Error;
    expect(err).toBeInstanceOf(RunnerRequestError);
    expect(err.message).toBe('input 2: this input cannot be embedded');
    expect(jongno.status).toBe('fulfilled');
    const outputs = (jongno as PromiseFulfilledResult<Out[]>).value;
    expect(outputs.map((o) => o.model)).toEqual(['clip@1', 'clip@1']);
    expect(await p.infer(clip, [{ text: 'jongno-2' }])).toEqual([outputs[1]]);
  });

  it('NaN or Infinity in an output fails that input at once (not the batch at the infer timeout)', async () => {
    const p = patientPool(60_000);
    const clip = model('clip', 500);
    await p.infer(clip, ['warm']);
    const pid = p.snapshot().resident[0]!.pid;
    const started = Date.now();
    const [mapo, jongno, seocho] = await Promise.allSettled([
      p.infer(clip, [{ text: 'fine' }, { text: 'nan' }]),
      p.infer(clip, [{ text: 'inf' }]),
      p.infer(clip, [{ text: 'fine too' }]),
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(mapo).toMatchObject({ status: 'rejected', reason: expect.any(RunnerRequestError) });
    expect(String((mapo as PromiseRejectedResult).reason)).toMatch(/input 1: the output holds NaN or Infinity/);
    expect(String((jongno as PromiseRejectedResult).reason)).toMatch(/input 0: the output holds NaN or Infinity/);
    expect(seocho).toMatchObject({ status: 'fulfilled', value: [{ model: 'clip@1' }] });
    expect(p.snapshot().resident[0]!.pid).toBe(pid); // the runner stays up
  });

  it('a line the worker cannot parse fails its request at once; the runner stays up', async () => {
    // a runner that does not use brewline_runner.py: it writes NaN as Python's json.dumps does by default, and
    // prints a stray line instead of answering
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'raw-runner-'));
    await mkdir(path.join(cwd, 'runners', 'raw'), { recursive: true });
    await writeFile(
      path.join(cwd, 'runners', 'raw', 'runner.py'),
      [
        'import json, sys',
        'for line in sys.stdin:',
        '    req = json.loads(line)',
        '    inputs = req.get("inputs", [])',
        '    if "stray" in inputs:',
        '        print("loading weights... done", flush=True)',
        '        continue',
        '    outputs = [{"vector": [float("nan") if i == "nan" else 0.5]} for i in inputs]',
        '    print(json.dumps({"id": req["id"], "ok": True, "outputs": outputs, "memoryMb": 1}), flush=True)',
        '    if req["op"] == "shutdown":',
        '        break',
      ].join('\n'),
    );
    const p = patientPool(60_000, cwd);
    const raw = model('clip', 100, 'raw');
    expect(await p.infer(raw, ['ok'])).toEqual([{ vector: [0.5] }]);
    const pid = p.snapshot().resident[0]!.pid;
    let started = Date.now();
    const nan = await p.infer(raw, ['ok', 'nan']).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(nan).toBeInstanceOf(RunnerRequestError);
    expect(String(nan)).toMatch(/not JSON \(it holds NaN or Infinity\)/);
    started = Date.now();
    const stray = await p.infer(raw, ['stray']).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stray).toBeInstanceOf(RunnerRequestError);
    expect(String(stray)).toMatch(/not a JSON reply: loading weights\.\.\. done/);
    expect(await p.infer(raw, ['ok'])).toEqual([{ vector: [0.5] }]);
    expect(p.snapshot().resident[0]!.pid).toBe(pid);
  });

  it('the runner refuses a file outside the folders its caller may read; the other caller is served', async () => {
    const p = newPool(10_000);
    const clip = model('clip', 500);
    const mine = path.join(dir, 'mine');
    await mkdir(mine, { recursive: true });
    await writeFile(path.join(mine, 'menu.txt'), 'latte');
    const [confined, free] = await Promise.allSettled([
      p.infer(clip, [{ path: path.join(mine, 'menu.txt') }, { path: path.join(mine, '..', 'clip.bin') }], {
        roots: [mine],
      }),
      p.infer(clip, [{ path: path.join(dir, 'clip.bin') }]),
    ]);
    expect(p.snapshot().batchSizes).toEqual([3]);
    expect(String((confined as PromiseRejectedResult).reason)).toMatch(
      /^RunnerRequestError: input 1: path '.*clip\.bin' is outside the folders this step may read$/,
    );
    expect(free).toMatchObject({ status: 'fulfilled', value: [{ model: 'clip@1' }] });
    // the refused input never reached the model
    expect((await readFile(log, 'utf8')).trim().split('\n').at(-1)).toMatch(/^clip@1 pid=\d+ batch=2\b/);
  });
});
