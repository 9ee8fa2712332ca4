// The cafe pipeline's models. The stand-in steps compute deterministic features; their versions are registered
// like real ones so that runs and result rows record which version produced what.
import type { Db } from '~/server/db';
import { registerModelVersion } from '~/server/services/models/models';

export const CAFE_MODELS = [
  { name: 'clip-representative', task: 'image-ranking', description: 'Picks representative images (stand-in: colour-histogram medoids)', gpuMemoryMb: 1_200 },
  { name: 'vlm-captioner', task: 'image-captioning', description: 'Describes images (stand-in: colour captions)', gpuMemoryMb: 16_000 },
  { name: 'review-summariser', task: 'text-summarisation', description: 'Summarises reviews (stand-in: extractive)', gpuMemoryMb: 4_000 },
  { name: 'siglip', task: 'image-embedding', description: 'Embeds images and texts in one space (stand-in: hashed features)', gpuMemoryMb: 1_500 },
] as const;

/** Registers version 1 of each cafe model with the production alias, unless the model exists. */
export async function registerCafeModels(db: Db, actor = 'setup'): Promise<void> {
  for (const m of CAFE_MODELS) {
    if (await db.model.findUnique({ where: { name: m.name } })) continue;
    await registerModelVersion(db, actor, {
      ...m,
      artifactUri: `builtin://cafe/${m.name}`,
      framework: 'stand-in',
      runtime: 'node',
      aliases: ['production'],
    }).catch(async (err: unknown) => {
      // registered meanwhile by a concurrent caller
      if (!(await db.model.findUnique({ where: { name: m.name } }))) throw err;
    });
  }
}
