// The built-in model families (models/<family>/model.py) with their tiny models (the real architectures, randomly
// initialised: CLIP, SigLIP, SigLIP 2, Qwen2.5-VL, Gemma 3 multimodal and text, Qwen2 text, BLIP), each in a real
// runner process (runners/model_host.py) on the CPU: what each answers, its chat template applied, Korean in and
// out, the same answer again, two callers' inputs in one request answered as each alone, a bad input failing alone.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFamilyModels, type FamilyModelName, type ServedModel, serveFamilyModel } from '../support/family-models';

type Vec = { vector: number[]; dim: number; model: string };
type Chat = { text: string; tokens: number; input?: string; model: string };

const served = {} as Record<FamilyModelName, ServedModel>;
let scratch: string;
let notImage: string;
const image = (dong: number, cafe: number, n: number) =>
  path.resolve(`pipelines/cafe/sample/crawl/images/d${dong}/c${cafe}/${n}.png`);
const korean = '이 카페의 분위기를 한 문장으로 설명해 주세요.';

beforeAll(async () => {
  const built = buildFamilyModels();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'model-families-'));
  notImage = path.join(scratch, 'menu.png');
  await writeFile(notImage, 'not a picture, a menu');
  // every runner starts now and loads while the tests before its own run (two cores: imports dominate)
  for (const name of Object.keys(built) as FamilyModelName[]) served[name] = serveFamilyModel(built[name]);
});
afterAll(async () => {
  await Promise.all(Object.values(served).map((s) => s.stop()));
  await rm(scratch, { recursive: true, force: true });
});

/** Asks for two callers' inputs in one request, then each caller's alone: [together, first alone, second alone]. */
async function asOneAndAlone(model: ServedModel, first: unknown[], second: unknown[]) {
  const together = await model.infer([...first, ...second]);
  const [a, b] = [await model.infer(first), await model.infer(second)];
  return { together, alone: [...a.outputs, ...b.outputs] };
}

const noReplacement = (outputs: Chat[]) => {
  for (const o of outputs) {
    expect(typeof o.text).toBe('string');
    expect(o.text).not.toContain('\uFFFD');
  }
};

async function embedder(name: 'clip' | 'siglip2' | 'siglip') {
  const model = served[name];
  await model.loaded;
  const first = [{ image: image(0, 0, 0) }, { text: `${korean} 조용한 카페, good coffee` }];
  const second = [{ image: image(1, 0, 1) }, { text: 'loud' }, { image: notImage }];
  const { together, alone } = await asOneAndAlone(model, first, second);
  const vectors = together.outputs as (Vec | null)[];
  for (const v of vectors.slice(0, 4) as Vec[]) {
    expect(v.dim).toBe(32);
    expect(v.vector).toHaveLength(32);
    expect(Math.hypot(...v.vector)).toBeCloseTo(1, 4);
    expect(v.model).toBe(`${name}@1`);
  }
  // images and texts, Korean among them, each get their own vector
  expect(new Set(vectors.slice(0, 4).map((v) => JSON.stringify(v!.vector))).size).toBe(4);
  // the unreadable image fails alone
  expect(vectors[4]).toBeNull();
  expect(together.errors).toEqual({ '4': expect.stringMatching(/image '.*menu\.png' cannot be read/) });
  // each caller's inputs alone: the same vectors (to the last bits a batch's arithmetic may move)
  for (const [i, v] of (alone.slice(0, 4) as Vec[]).entries())
    for (const [k, x] of v.vector.entries()) expect(Math.abs(x - vectors[i]!.vector[k]!)).toBeLessThan(1e-4);
  expect(await model.infer([...first, ...second])).toEqual(together);
}

/** Two generators' callers (one with a system text and two images), asked together, again, and alone. */
async function chat(model: ServedModel, first: unknown[], second: unknown[]) {
  await model.loaded;
  const { together, alone } = await asOneAndAlone(model, first, second);
  const outputs = together.outputs as Chat[];
  expect(await model.infer([...first, ...second])).toEqual(together);
  expect(alone).toEqual(outputs);
  return { outputs, errors: together.errors };
}

describe('built-in model families', () => {
  it('CLIP embeds images and Korean text into unit vectors, the same in one batch or alone', async () => {
    await embedder('clip');
  });

  it('SigLIP 2 (and SigLIP) embed images and Korean text, a text’s vector not moved by longer ones', async () => {
    await embedder('siglip2');
    await embedder('siglip');
  });

  it('Qwen2.5-VL answers about images through its chat template, greedily, in a batch as alone', async () => {
    const settings = { maxNewTokens: 8, returnInput: true };
    const { outputs, errors } = await chat(
      served.qwen2_5_vl,
      [{ image: image(2, 0, 0), prompt: korean, ...settings }],
      [
        {
          images: [image(2, 1, 0), image(2, 1, 1)],
          prompt: 'Describe the cafe.',
          system: 'Answer briefly.',
          ...settings,
        },
        { image: notImage, prompt: 'x' },
      ],
    );
    const [a, b] = outputs as [Chat, Chat];
    expect(a.input).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        `<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>${korean}<|im_end|>\n<|im_start|>assistant\n`,
    );
    expect(b.input).toMatch(/^<\|im_start\|>system\nAnswer briefly\.<\|im_end\|>\n<\|im_start\|>user\n/);
    expect(b.input!.match(/<\|vision_start\|>(<\|image_pad\|>)+<\|vision_end\|>/g)).toHaveLength(2);
    expect(b.input).toContain('Describe the cafe.<|im_end|>\n<|im_start|>assistant\n');
    for (const o of [a, b]) expect(o.tokens).toBeGreaterThanOrEqual(0);
    for (const o of [a, b]) expect(o.tokens).toBeLessThanOrEqual(8);
    expect(a.model).toBe('qwen2_5_vl@1');
    noReplacement([a, b]);
    expect(outputs[2]).toBeNull();
    expect(errors).toEqual({ '2': expect.stringMatching(/image '.*menu\.png' cannot be read/) });
  });

  it('Gemma 3 answers about images through its chat template (system text in the user turn)', async () => {
    const settings = { maxNewTokens: 8, returnInput: true };
    const { outputs, errors } = await chat(
      served.gemma3_vlm,
      [{ image: image(3, 0, 0), prompt: korean, ...settings }],
      [
        {
          images: [image(3, 1, 0), image(3, 1, 1)],
          prompt: 'Describe the cafe.',
          system: 'Answer briefly.',
          ...settings,
        },
        { image: notImage, prompt: 'x' },
      ],
    );
    const [a, b] = outputs as [Chat, Chat];
    const picture =
      '\n\n<start_of_image><image_soft_token><image_soft_token><image_soft_token><image_soft_token>' +
      '<end_of_image>\n\n';
    expect(a.input).toBe(`<bos><start_of_turn>user\n${picture}${korean}<end_of_turn>\n<start_of_turn>model\n`);
    expect(b.input).toBe(
      `<bos><start_of_turn>user\nAnswer briefly.\n\n${picture}${picture}Describe the cafe.<end_of_turn>\n` +
        '<start_of_turn>model\n',
    );
    for (const o of [a, b]) expect(o.tokens).toBeLessThanOrEqual(8);
    expect(a.model).toBe('gemma3_vlm@1');
    noReplacement([a, b]);
    expect(outputs[2]).toBeNull();
    expect(errors).toEqual({ '2': expect.stringMatching(/image '.*menu\.png' cannot be read/) });
  });

  it('Gemma 3 text chats through its template; a prompt past its context loses its start', async () => {
    const settings = { maxNewTokens: 12, returnInput: true };
    const long = `${'오래된 리뷰. '.repeat(200)}마지막 질문: 커피는 어때요?`; // 3 bytes a syllable: past 2048 tokens
    const { outputs, errors } = await chat(
      served.gemma3_text,
      [{ prompt: korean, ...settings }],
      [
        {
          messages: [
            { role: 'system', content: 'Answer briefly.' },
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello!' },
            { role: 'user', content: 'Coffee?' },
          ],
          ...settings,
        },
        { prompt: long, ...settings },
        { prompt: 5 },
      ],
    );
    const [a, b, c] = outputs as [Chat, Chat, Chat];
    expect(a.input).toBe(`<bos><start_of_turn>user\n${korean}<end_of_turn>\n<start_of_turn>model\n`);
    expect(b.input).toBe(
      '<bos><start_of_turn>user\nAnswer briefly.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n' +
        '<start_of_turn>user\nCoffee?<end_of_turn>\n<start_of_turn>model\n',
    );
    expect(c.input!.endsWith('마지막 질문: 커피는 어때요?<end_of_turn>\n<start_of_turn>model\n')).toBe(true);
    expect(c.input!.startsWith('<bos>')).toBe(false);
    for (const o of [a, b, c]) expect(o.tokens).toBeLessThanOrEqual(12);
    noReplacement([a, b, c]);
    expect(errors).toEqual({ '3': '"prompt" must be a string' });
  });

  it('Qwen2 text chats through its template (a default system turn), greedily or sampled from a seed', async () => {
    const settings = { maxNewTokens: 12, returnInput: true };
    const { outputs } = await chat(
      served.qwen2_text,
      [{ prompt: korean, ...settings }],
      [{ prompt: 'Summarise: great latte, loud music.', system: 'Answer in Korean.', ...settings }],
    );
    const [a, b] = outputs as [Chat, Chat];
    expect(a.input).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        `<|im_start|>user\n${korean}<|im_end|>\n<|im_start|>assistant\n`,
    );
    expect(b.input).toBe(
      '<|im_start|>system\nAnswer in Korean.<|im_end|>\n' +
        '<|im_start|>user\nSummarise: great latte, loud music.<|im_end|>\n<|im_start|>assistant\n',
    );
    // tiny random weights: the text is whatever bytes they pick, but a whole string
    for (const o of [a, b]) expect(o.tokens).toBeGreaterThan(0);
    for (const o of [a, b]) expect(o.tokens).toBeLessThanOrEqual(12);
    expect(a.text).not.toBe(b.text);
    noReplacement([a, b]);
    const sampled = { prompt: korean, temperature: 1.5, seed: 7, maxNewTokens: 12 };
    const [s1] = (await served.qwen2_text.infer([sampled])).outputs as Chat[];
    expect((await served.qwen2_text.infer([sampled])).outputs).toEqual([s1]);
    const [s2] = (await served.qwen2_text.infer([{ ...sampled, seed: 8 }])).outputs as Chat[];
    expect(s2!.text).not.toBe(s1!.text);
  });

  it('BLIP captions images, going on from a Korean caption start; a bad image fails alone', async () => {
    const caption = { maxNewTokens: 8 };
    const { outputs, errors } = await chat(
      served.blip,
      [{ image: image(4, 0, 0), ...caption }],
      [
        { image: image(4, 1, 0), prompt: '카페 사진:', returnInput: true, ...caption },
        { image: image(4, 1, 1), ...caption },
        { image: notImage },
      ],
    );
    const [a, b, c] = outputs as [Chat, Chat, Chat];
    for (const o of [a, b, c]) expect(o.tokens).toBeLessThanOrEqual(8);
    expect(a.tokens).toBe(8);
    expect(a.text).not.toBe(c.text); // two images, two captions
    expect(b.input).toBe('[DEC]카페 사진:');
    expect(b.text.startsWith('카페 사진:')).toBe(false);
    expect(a.model).toBe('blip@1');
    noReplacement([a, b, c]);
    expect(outputs[3]).toBeNull();
    expect(errors).toEqual({ '3': expect.stringMatching(/image '.*menu\.png' cannot be read/) });
  });
});
