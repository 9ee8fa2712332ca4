// The cafe pipeline's model steps, plugged into every worker as builtins (workers/activities/builtins/plugins.ts).
// Each sends its inputs to the step's model through the worker's resident runner (ctx.infer: batched with other
// dongs' requests) and writes the file the next steps and cafe.load read.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { modelLabel } from '~/common/model-ref';
import {
  cafesFile,
  input,
  readJsonFile,
  representativeFile,
  reviewsFile,
  summariesFile,
} from '~/workers/activities/builtins/cafe-files';
import { BadInputError, type Builtin, type BuiltinContext } from '~/workers/activities/builtins/types';
import { pickRepresentatives } from './representative';

const vectorOutput = z.object({ vector: z.array(z.number()).min(1) });
const textOutput = z.object({ text: z.string(), tokens: z.number().int().nonnegative().optional() });

/** The model's outputs, checked: a runner that answers in another shape is a bad model version, not a flake. */
async function inferAll<T>(ctx: BuiltinContext, inputs: unknown[], shape: z.ZodType<T>, what: string): Promise<T[]> {
  if (inputs.length === 0) return [];
  const outputs = await ctx.infer(inputs);
  return outputs.map((out, i) => {
    const parsed = shape.safeParse(out);
    if (!parsed.success)
      throw new BadInputError(
        `model ${modelOf(ctx)} answered input ${i} with ${JSON.stringify(out).slice(0, 200)}, not ${what}`,
      );
    return parsed.data;
  });
}

const modelOf = (ctx: BuiltinContext) => (ctx.models[ctx.stepId] ? modelLabel(ctx.models[ctx.stepId]!) : 'none');
const safeName = (id: string) => id.replace(/[^\p{L}\p{N}_.-]/gu, '-');
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function positiveInt(ctx: BuiltinContext, name: string, fallback: number): number {
  const raw = ctx.args[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new BadInputError(`args.${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** CLIP: embeds every downloaded image of the dong; per cafe, the images that best cover its set. */
export const representativeImages: Builtin = async (ctx) => {
  const count = positiveInt(ctx, 'count', 5);
  const download = await input(ctx, 'cafes.json', cafesFile);
  const images = download.data.cafes.flatMap((cafe) => cafe.images.map((img) => path.join(download.dir, img.file)));
  const vectors = await inferAll(
    ctx,
    images.map((image) => ({ image })),
    vectorOutput,
    '{vector}',
  );
  const out = [];
  let at = 0;
  for (const cafe of download.data.cafes) {
    const own = vectors.slice(at, at + cafe.images.length).map((v) => v.vector);
    at += cafe.images.length;
    const dir = path.join('images', safeName(cafe.id));
    await mkdir(path.join(ctx.outDir, dir), { recursive: true });
    const picks = [];
    for (const [rank, pick] of pickRepresentatives(own, count).entries()) {
      const img = cafe.images[pick.index]!;
      const file = path.join(dir, `${rank}.png`);
      await copyFile(path.join(download.dir, img.file), path.join(ctx.outDir, file));
      picks.push({ rank, file, sourceUrl: img.sourceUrl, score: pick.gain });
    }
    out.push({ id: cafe.id, images: picks });
  }
  await writeJson(ctx, 'representative.json', { method: 'clip-facility-location', model: modelOf(ctx), cafes: out });
  ctx.log(`picked representative images for ${out.length} cafes from ${images.length} images (${modelOf(ctx)})`);
  return { cafes: out.length, images: images.length };
};

/** VLM: a caption for each representative image. */
export const describeImages: Builtin = async (ctx) => {
  const reps = await input(ctx, 'representative.json', representativeFile);
  const images = reps.data.cafes.flatMap((cafe) => cafe.images.map((img) => path.join(reps.dir, img.file)));
  const maxNewTokens = positiveInt(ctx, 'maxNewTokens', 30);
  const captions = await inferAll(
    ctx,
    images.map((image) => ({ image, maxNewTokens })),
    textOutput,
    '{text}',
  );
  let at = 0;
  const cafes = reps.data.cafes.map((cafe) => ({
    id: cafe.id,
    images: cafe.images.map((img) => ({ rank: img.rank, text: captions[at++]!.text })),
  }));
  await writeJson(ctx, 'descriptions.json', { method: 'vlm-caption', model: modelOf(ctx), cafes });
  ctx.log(
    `described ${images.length} images (${modelOf(ctx)}, ${captions.reduce((n, c) => n + (c.tokens ?? 0), 0)} tokens)`,
  );
  return { images: images.length };
};

/** Text model: a summary of each cafe's reviews, from the crawl file named by args.reviews. */
export const summariseReviews: Builtin = async (ctx) => {
  if (!ctx.args.reviews)
    throw new BadInputError('args.reviews must name the reviews file (a crawl file or a reviews.json)');
  const crawl = await readJsonFile(ctx.args.reviews, reviewsFile, 'reviews file');
  if (crawl.dong !== ctx.itemKey)
    throw new BadInputError(
      `reviews file is for dong ${JSON.stringify(crawl.dong)}, not ${JSON.stringify(ctx.itemKey)}`,
    );
  const maxNewTokens = positiveInt(ctx, 'maxNewTokens', 64);
  const withReviews = crawl.cafes.filter((c) => c.reviews.length > 0);
  const prompt = (cafe: (typeof crawl.cafes)[number]) =>
    `Reviews of the cafe "${cafe.name}":\n${cafe.reviews.map((r) => `- ${r.text.trim()}`).join('\n')}` +
    `\nSummarise them in two sentences:\n`;
  const summaries = await inferAll(
    ctx,
    withReviews.map((c) => ({ prompt: prompt(c), maxNewTokens })),
    textOutput,
    '{text}',
  );
  const textOf = new Map(withReviews.map((c, i) => [c.id, summaries[i]!.text]));
  const cafes = crawl.cafes.map((c) => ({
    id: c.id,
    text: textOf.get(c.id) ?? 'No reviews yet.',
    reviewCount: c.reviews.length,
  }));
  await writeJson(ctx, 'summaries.json', { method: 'llm-summary', model: modelOf(ctx), cafes });
  ctx.log(
    `summarised reviews of ${cafes.length} cafes (${modelOf(ctx)}, ` +
      `${summaries.reduce((n, s) => n + (s.tokens ?? 0), 0)} tokens)`,
  );
  return { cafes: cafes.length };
};

/** SigLIP: one vector per representative image and one per cafe summary, in one space. */
export const embedCafes: Builtin = async (ctx) => {
  const reps = await input(ctx, 'representative.json', representativeFile);
  const sums = await input(ctx, 'summaries.json', summariesFile);
  const textOf = new Map(sums.data.cafes.map((c) => [c.id, c.text]));
  const images = reps.data.cafes.flatMap((cafe) =>
    cafe.images.map((img) => ({ image: path.join(reps.dir, img.file) })),
  );
  const texts = reps.data.cafes.map((cafe) => ({ text: textOf.get(cafe.id) ?? '' }));
  const vectors = (await inferAll(ctx, [...images, ...texts], vectorOutput, '{vector}')).map((v) =>
    v.vector.map(round6),
  );
  const dim = vectors[0]?.length ?? 1;
  if (vectors.some((v) => v.length !== dim))
    throw new BadInputError(`model ${modelOf(ctx)} returned vectors of different sizes`);
  let at = 0;
  const cafes = reps.data.cafes.map((cafe, c) => ({
    id: cafe.id,
    image: cafe.images.map((img) => ({ rank: img.rank, vector: vectors[at++]! })),
    text: vectors[images.length + c]!,
  }));
  await writeJson(ctx, 'embeddings.json', { method: 'siglip', model: modelOf(ctx), dim, cafes });
  ctx.log(`embedded ${images.length} images and ${texts.length} texts in ${dim} dimensions (${modelOf(ctx)})`);
  return { dim, vectors: vectors.length };
};

async function writeJson(ctx: BuiltinContext, name: string, value: unknown): Promise<void> {
  await writeFile(path.join(ctx.outDir, name), JSON.stringify(value, null, 1));
}

/** The builtins this team ships (the name the workers look for). */
export const builtins: Record<string, Builtin> = {
  'cafe.representativeImages': representativeImages,
  'cafe.describeImages': describeImages,
  'cafe.summariseReviews': summariseReviews,
  'cafe.embed': embedCafes,
};
