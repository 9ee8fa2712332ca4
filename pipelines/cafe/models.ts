// The cafe pipeline's models: CLIP, a BLIP captioner, a Qwen2 text model and SigLIP, served by the transformers
// runner (runners/transformers). Setup and the tests build them from configs, randomly initialised (nothing can
// be downloaded here); a team registers its trained weights as a new version and moves the production alias.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '~/server/db';
import { registerModelVersion } from '~/server/services/models/models';
import { runnerPython } from '~/stack/runner-python';

export const CAFE_MODELS = [
  {
    name: 'clip-representative',
    kind: 'clip',
    task: 'image-ranking',
    description: 'CLIP image encoder: picks the images that best cover a cafe',
  },
  {
    name: 'vlm-captioner',
    kind: 'vlm',
    task: 'image-captioning',
    description: 'BLIP vision-language model: describes images',
  },
  {
    name: 'review-summariser',
    kind: 'text',
    task: 'text-summarisation',
    description: 'Qwen2 text model: summarises reviews',
  },
  {
    name: 'siglip',
    kind: 'siglip',
    task: 'image-embedding',
    description: 'SigLIP: embeds images and texts in one space',
  },
] as const;

export type CafeModelKind = (typeof CAFE_MODELS)[number]['kind'];

export interface BuiltModel {
  dir: string;
  architecture: string;
  params: number;
  gpuMemoryMb: number;
}

/**
 * Builds the models missing from `dir` (tiny ones: seconds on a CPU) with runners/transformers/build_models.py;
 * returns every model's folder and size.
 */
export function buildCafeModels(
  dir: string,
  opts: { root?: string; size?: 'tiny' | 'realistic' } = {},
): Record<CafeModelKind, BuiltModel> {
  const root = opts.root ?? process.cwd();
  const manifest = (kind: string) => path.join(dir, kind, 'brewline-model.json');
  const missing = CAFE_MODELS.map((m) => m.kind).filter((kind) => !existsSync(manifest(kind)));
  if (missing.length) {
    execFileSync(
      runnerPython(root, process.env.BREWLINE_PYTHON),
      [
        path.join(root, 'runners/transformers/build_models.py'),
        '--out',
        dir,
        '--size',
        opts.size ?? 'tiny',
        '--only',
        missing.join(','),
      ],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  return Object.fromEntries(
    CAFE_MODELS.map((m) => [m.kind, JSON.parse(readFileSync(manifest(m.kind), 'utf8')) as BuiltModel]),
  ) as Record<CafeModelKind, BuiltModel>;
}

/**
 * Registers the built models as versions of the cafe models, with the production alias, unless a version with
 * the same folder exists (a second setup changes nothing).
 */
export async function registerCafeModels(
  db: Db,
  built: Record<CafeModelKind, BuiltModel>,
  actor = 'setup',
): Promise<void> {
  for (const m of CAFE_MODELS) {
    const artifactUri = `file://${built[m.kind].dir}`;
    const existing = await db.modelVersion.findFirst({ where: { model: { name: m.name }, artifactUri } });
    if (existing) continue;
    await registerModelVersion(db, actor, {
      name: m.name,
      task: m.task,
      description: m.description,
      artifactUri,
      framework: 'transformers',
      runtime: 'python',
      gpuMemoryMb: built[m.kind].gpuMemoryMb,
      aliases: ['production'],
    });
  }
}
