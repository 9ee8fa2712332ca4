// The files the cafe pipeline's steps hand each other (in their output folders), and how a builtin reads them.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BadInputError, type BuiltinContext } from './types';

/** download-images: the dong's cafes and their downloaded images (paths relative to the step's folder). */
export const cafesFile = z.object({
  dong: z.string(),
  cafes: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      address: z.string().default(''),
      images: z.array(z.object({ file: z.string().min(1), sourceUrl: z.string() })).default([]),
    }),
  ),
});
/** A crawl file (monthly) or a reviews file (weekly): each cafe's reviews. */
export const reviewsFile = z.object({
  dong: z.string(),
  cafes: z.array(
    z
      .object({ id: z.string().min(1), name: z.string(), reviews: z.array(z.object({ text: z.string() }).loose()) })
      .loose(),
  ),
});
export const representativeFile = z.object({
  method: z.string().optional(),
  cafes: z.array(
    z.object({
      id: z.string(),
      images: z.array(z.object({ rank: z.number().int(), file: z.string(), sourceUrl: z.string(), score: z.number() })),
    }),
  ),
});
export const descriptionsFile = z.object({
  cafes: z.array(z.object({ id: z.string(), images: z.array(z.object({ rank: z.number().int(), text: z.string() })) })),
});
export const summariesFile = z.object({
  cafes: z.array(z.object({ id: z.string(), text: z.string(), reviewCount: z.number().int() })),
});
export const embeddingsFile = z.object({
  dim: z.number().int().positive(),
  cafes: z.array(
    z.object({
      id: z.string(),
      image: z.array(z.object({ rank: z.number().int(), vector: z.array(z.number()) })),
      text: z.array(z.number()),
    }),
  ),
});

/** Reads and checks one JSON file; a missing, unreadable or misshapen file is bad input (no retry helps). */
export async function readJsonFile<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new BadInputError(`${what} ${file} cannot be read: ${e.code ?? e.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BadInputError(`${what} is not JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new BadInputError(
      `${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Finds `name` in the outputs of the steps this one needs; returns its parsed content and the step that made it. */
export async function input<T>(
  ctx: BuiltinContext,
  name: string,
  schema: z.ZodType<T>,
): Promise<{ data: T; stepId: string; dir: string }> {
  for (const [stepId, dir] of Object.entries(ctx.inputDirs)) {
    const file = path.join(dir, name);
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    return { data: await readJsonFile(file, schema, `${name} from step ${stepId}`), stepId, dir };
  }
  throw new BadInputError(`none of the needed steps (${Object.keys(ctx.inputDirs).join(', ')}) produced ${name}`);
}
