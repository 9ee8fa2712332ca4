// The cafe models (CLIP, Qwen2.5-VL, Gemma 3 text, SigLIP 2: the real architectures, tiny and randomly initialised,
// built by the suite's setup) served by their built-in model code (models/<family>) through the worker's pool, in
// real Python processes on the CPU: what each model answers, batches across callers, eviction under a small budget,
// bad input (failing only its caller: an unreadable image, a decompression bomb), and a restart after the runner dies.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResolvedModel } from '~/common/model-ref';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { dongResults } from '~/pipelines/cafe/results/read';
import { type BuiltModel, buildCafeModels, type CafeModelBuild } from '~/pipelines/cafe/models';
import { runnerPython } from '~/stack/runner-python';
import { ModelPool } from '~/workers/models/model-pool';
import { RunnerCrashedError, RunnerRequestError } from '~/workers/models/runner-process';
import { cafeResults, cafeSecretKey } from '../support/cafe-results';
import { testContext } from '../support/stack';

let built: Record<CafeModelBuild, BuiltModel>;
let pool: ModelPool | undefined;
const log = path.join(os.tmpdir(), `cafe-models-${process.pid}.log`);
// short names for the cafe's four models
const KINDS = { clip: 'clip', vlm: 'qwen2_5_vl', text: 'gemma3_text', siglip: 'siglip2' } as const;
type Kind = keyof typeof KINDS;
const model = (kind: Kind): ResolvedModel => ({
  name: kind,
  version: 1,
  artifactUri: `file://${built[KINDS[kind]].dir}`,
  framework: 'transformers',
  runtime: 'python',
  gpuMemoryMb: built[KINDS[kind]].gpuMemoryMb,
  code: { entrypoint: 'model.py:Model', files: {} },
});
const memory = (kind: Kind) => built[KINDS[kind]].gpuMemoryMb;
const newPool = (memoryBudgetMb: number, batchWaitMs = 100) =>
  (pool = new ModelPool({
    memoryBudgetMb,
    batchMax: 64,
    batchWaitMs,
    cwd: process.cwd(),
    environment: process.env,
    env: { BREWLINE_RUNNER_LOG: log, BREWLINE_RUNNER_THREADS: '1' },
    // the built-in code in its folder, as the worker writes a registered version's code
    prepareCode: async (m) => ({
      dir: path.resolve('models', built[KINDS[m.name as Kind]].family),
      python: runnerPython(process.cwd(), process.env.BREWLINE_PYTHON),
    }),
  }));
const image = (dong: number, cafe: number, n: number) => ({
  image: path.resolve(`pipelines/cafe/sample/crawl/images/d${dong}/c${cafe}/${n}.png`),
});
type Vec = { vector: number[]; dim: number; model: string };
type Text = { text: string; tokens: number; model: string };

beforeAll(async () => {
  built = buildCafeModels(path.join(inject('stack').tmpDir, 'models'));
  await rm(log, { force: true });
});
afterEach(async () => {
  await pool?.shutdown();
  pool = undefined;
});

describe('the cafe models on their model code', () => {
  it('CLIP and SigLIP embed images and texts into unit vectors, the same again for the same input', async () => {
    const p = newPool(10_000);
    for (const kind of ['clip', 'siglip'] as const) {
      const [a, b, t1, t2] = (await p.infer(model(kind), [
        image(0, 0, 0),
        image(0, 0, 1),
        { text: '조용한 카페, good coffee' },
        { text: 'loud' },
      ])) as Vec[];
      for (const v of [a!, b!, t1!, t2!]) {
        expect(v.dim).toBe(a!.dim);
        expect(v.dim).toBeGreaterThan(8);
        expect(Math.hypot(...v.vector)).toBeCloseTo(1, 4);
        expect(v.model).toBe(`${kind}@1`);
      }
      expect(a!.vector).not.toEqual(b!.vector);
      // alone rather than in a batch of four: the same vector (to the last bits a batch's arithmetic may move)
      const [again] = (await p.infer(model(kind), [image(0, 0, 0)])) as Vec[];
      for (const [i, x] of again!.vector.entries()) expect(x).toBeCloseTo(a!.vector[i]!, 5);
      expect(await p.infer(model(kind), [image(0, 0, 0)])).toEqual([again]);
      // a text's vector does not depend on the longer texts batched with it
      const [alone] = (await p.infer(model(kind), [{ text: 'loud' }])) as Vec[];
      for (const [i, x] of alone!.vector.entries()) expect(x).toBeCloseTo(t2!.vector[i]!, 5);
    }
    expect(p.snapshot().loads).toBe(2);
  });

  it('Qwen2.5-VL describes images from a Korean prompt and Gemma 3 writes text, greedily (the same again), counting \
tokens', async () => {
    const p = newPool(10_000);
    const prompt = '이 카페 사진을 설명해 주세요.';
    const captions = (await p.infer(
      model('vlm'),
      [image(1, 0, 0), image(1, 0, 1)].map((i) => ({ ...i, prompt, maxNewTokens: 12, returnInput: true })),
    )) as (Text & { input: string })[];
    expect(captions.every((c) => c.tokens > 0 && c.tokens <= 12)).toBe(true);
    expect(captions.every((c) => typeof c.text === 'string' && c.model === 'vlm@1')).toBe(true);
    expect(captions[0]!.input).toContain(prompt);
    const prompts = [
      { prompt: 'Reviews: great latte.\nSummarise:', maxNewTokens: 20 },
      { prompt: '리뷰: 커피가 맛있어요.\n요약:', system: '한국어로 답하세요.', maxNewTokens: 20 },
    ];
    const first = (await p.infer(model('text'), prompts)) as Text[];
    expect(first.every((s) => s.tokens > 0 && s.tokens <= 20)).toBe(true);
    expect(await p.infer(model('text'), prompts)).toEqual(first);
  });

  it('merges two dongs’ requests into one batch, and evicts within a budget of two models', async () => {
    const p = newPool(memory('clip') + memory('siglip'), 1_000);
    const [mapo, jongno] = (await Promise.all([
      p.infer(model('clip'), [image(2, 0, 0), image(2, 0, 1), image(2, 0, 2)]),
      p.infer(model('clip'), [image(3, 0, 0), image(3, 0, 1)]),
    ])) as [Vec[], Vec[]];
    expect([mapo.length, jongno.length]).toEqual([3, 2]);
    expect(p.snapshot().batchSizes).toEqual([5]);
    expect(await readFile(log, 'utf8')).toMatch(/clip@1 pid=\d+ batch=5 /);

    await p.infer(model('siglip'), [{ text: 'a' }]);
    await p.infer(model('text'), [{ prompt: 'b', maxNewTokens: 2 }]); // clip, least recently used, makes room
    const stats = p.snapshot();
    expect(stats.evictions).toBe(1);
    expect(stats.peakMb).toBeLessThanOrEqual(memory('clip') + memory('siglip'));
    expect(stats.resident.map((r) => r.model).sort()).toEqual(['siglip@1', 'text@1']);
  });

  it('a bad input fails its request with the reason and the runner stays up; a dead runner is restarted', async () => {
    const p = newPool(10_000);
    await p.infer(model('clip'), [image(4, 0, 0)]);
    const pid = p.snapshot().resident[0]!.pid!;
    const err = await p.infer(model('clip'), [image(4, 0, 1), { image: '/nowhere/0.png' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnerRequestError);
    expect(String(err)).toMatch(/input 1: image '\/nowhere\/0\.png' cannot be read/);
    expect(p.snapshot().resident[0]!.pid).toBe(pid);

    const pending = p.infer(
      model('text'),
      Array.from({ length: 16 }, (_, i) => ({ prompt: `long ${i}`, maxNewTokens: 256 })),
    );
    const generating = await waitFor(() => p.snapshot().resident.find((r) => r.model === 'text@1')?.pid);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(generating, 'SIGKILL');
    await expect(pending).rejects.toBeInstanceOf(RunnerCrashedError);
    const [after] = (await p.infer(model('text'), [{ prompt: 'again', maxNewTokens: 3 }])) as Text[];
    expect(after!.tokens).toBeGreaterThan(0);
    const restarted = p.snapshot();
    expect(restarted.reloads).toBe(1);
    expect(restarted.resident.find((r) => r.model === 'text@1')!.pid).not.toBe(generating);
  });
});

/** A black 1-bit PNG of the given size: a small file that decodes to width × height pixels. */
function blackPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([size, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1 bit, grey, deflate, no filter, no interlace
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height); // each row: filter byte 0, then zeros
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('hostile images', () => {
  it('a decompression bomb or an unreadable image fails only its caller; the other dongs in the batch get \
theirs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hostile-images-'));
    const file = async (name: string, bytes: Buffer | string) => {
      await writeFile(path.join(dir, name), bytes);
      return { image: path.join(dir, name) };
    };
    // 80 megapixels: under PIL's own bound (89M, where it only warns), over the runner's (64M)
    const bomb = await file('bomb.png', blackPng(10_000, 8_000));
    const hugeBomb = await file('huge-bomb.png', blackPng(20_000, 20_000));
    const notImage = await file('menu.png', 'not a picture, a menu');
    // 40 000 pixels, but CLIP scales the short side to 224: 20 megapixels of floats
    const sliver = await file('sliver.png', blackPng(4_000, 10));
    const real = await readFile(image(5, 0, 0).image);
    const truncated = await file('truncated.png', real.subarray(0, Math.floor(real.length / 2)));
    expect((await readFile(bomb.image)).length).toBeLessThan(1_000_000);

    const p = newPool(10_000);
    const started = Date.now();
    const [mapo, jongno, seocho, gangnam, yeonnam, mangwon] = await Promise.allSettled([
      p.infer(model('clip'), [image(5, 0, 0), bomb]),
      p.infer(model('clip'), [image(5, 0, 1), image(5, 0, 2)]),
      p.infer(model('clip'), [{ text: 'fine' }, notImage]),
      p.infer(model('clip'), [hugeBomb]),
      p.infer(model('clip'), [truncated, image(5, 0, 3)]),
      p.infer(model('clip'), [{ text: 'panorama' }, sliver]),
    ]);
    expect(p.snapshot().batchSizes).toEqual([11]);
    expect(Date.now() - started).toBeLessThan(60_000);
    const reason = (r: PromiseSettledResult<unknown>) => {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RunnerRequestError);
      return String((r as PromiseRejectedResult).reason);
    };
    expect(reason(mapo)).toMatch(/input 1: image '.*bomb\.png' is too large to decode: .*80000000 pixels/);
    expect(reason(seocho)).toMatch(/input 1: image '.*menu\.png' cannot be read/);
    expect(reason(gangnam)).toMatch(/input 0: image '.*huge-bomb\.png' is too large to decode/);
    expect(reason(yeonnam)).toMatch(/input 0: image '.*truncated\.png' cannot be read/);
    expect(reason(mangwon)).toMatch(/input 1: image '.*sliver\.png' is 4000 x 10: sides more than 32 times apart/);
    expect(jongno.status).toBe('fulfilled');
    const vectors = (jongno as PromiseFulfilledResult<Vec[]>).value;
    const alone = (await p.infer(model('clip'), [image(5, 0, 1), image(5, 0, 2)])) as Vec[];
    for (const [n, v] of vectors.entries())
      for (const [i, x] of v.vector.entries()) expect(x).toBeCloseTo(alone[n]!.vector[i]!, 5);

    // a vision-language model too: the missing image fails its caller, the other's is captioned
    const [missing, captioned] = await Promise.allSettled([
      p.infer(model('vlm'), [{ image: '/nowhere/1.png', prompt: '설명', maxNewTokens: 4 }]),
      p.infer(model('vlm'), [{ ...image(5, 0, 0), prompt: '설명', maxNewTokens: 4 }]),
    ]);
    expect(reason(missing)).toMatch(/input 0: image '\/nowhere\/1\.png' cannot be read/);
    expect(captioned).toMatchObject({ status: 'fulfilled', value: [{ text: expect.any(String), model: 'vlm@1' }] });
  });
});

async function waitFor<T>(get: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the cafe pipeline on its model code, through Temporal', () => {
  it('batches two dongs’ images in one CLIP call, evicts within a two-model budget, and records the \
versions', async () => {
    const twoModels = memory('clip') + memory('vlm');
    // the dongs file lies in a folder the admin shares with the steps (a path param must stay inside one)
    const shared = await mkdtemp(path.join(os.tmpdir(), 'cafe-dongs-'));
    await chmod(shared, 0o755);
    const t = await testContext({
      BREWLINE_STEP_SHARED_DIRS: shared,
      GPU_SLOTS: '2',
      BREWLINE_BATCH_WAIT_MS: '2000',
      BREWLINE_BATCH_MAX: '256',
      GPU_MEMORY_MB: String(twoModels),
      ...cafeSecretKey(),
    });
    const results = await cafeResults(t);
    try {
      await t.register(cafeMonthly);
      const workers = await t.startWorkers();
      const dongs = ['망원1동', '연남동'];
      const dongsFile = path.join(shared, 'two-dongs.json');
      await writeFile(dongsFile, JSON.stringify(dongs));
      // both crawl files land together, so both dongs reach the CLIP step within the batch window
      const runId = await t.trigger({ pipelineSlug: 'cafe-monthly', params: { dongsFile, crawlDelayMs: 0 } });
      expect(await t.waitForRun(runId, 300_000)).toMatchObject({ status: 'succeeded', itemsSucceeded: 2 });

      const images = await Promise.all(
        dongs.map(async (d) =>
          (
            JSON.parse(await readFile(`pipelines/cafe/sample/crawl/${d}.json`, 'utf8')) as {
              cafes: { images: unknown[] }[];
            }
          ).cafes.reduce((n, c) => n + c.images.length, 0),
        ),
      );
      const stats = workers.models();
      expect(stats.batchSizes).toContain(images[0]! + images[1]!); // one CLIP batch of both dongs' images
      expect(stats.evictions).toBeGreaterThanOrEqual(2); // four models through a budget of two
      expect(stats.peakMb).toBeLessThanOrEqual(twoModels);

      const steps = await t.db.stepRun.findMany({ where: { runId, stepId: 'representative-images' } });
      expect(steps.map((s) => s.result)).toEqual(
        dongs.map(() => expect.objectContaining({ images: expect.any(Number) })),
      );
      const [cafe] = (await dongResults(results.pool, dongs[0]!)).cafes;
      expect(cafe!.lineage.runId).toBe(runId);
      expect(cafe!.images.map((i) => [i.lineage.model, i.description?.lineage.model])).toEqual(
        cafe!.images.map(() => ['clip-representative@1', 'vlm-captioner@1']),
      );
      expect(cafe!.reviewSummary?.lineage.model).toBe('review-summariser@1');
      expect(cafe!.embeddings.every((e) => e.lineage.model === 'siglip@1' && e.dim === 32)).toBe(true);
    } finally {
      await results.close();
      await t.close();
    }
  });
});
