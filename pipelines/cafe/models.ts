// The cafe pipeline's models, the architectures the team runs: CLIP picks representative images, Qwen2.5-VL describes
// them from a Korean prompt, Gemma 3 summarises Korean reviews, SigLIP 2 embeds images and texts. Each version is
// registered with the built-in model code of its family (models/<family>/), as any team registers its own code.
// Setup and the tests build the models from configs, randomly initialised (nothing can be downloaded here); a team
// registers its trained weights as a new version and moves the production alias.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '~/server/db';
import { registerModelVersion } from '~/server/services/models/models';
import { codeHashOf } from '~/server/services/pipelines/cell-sources';
import { runnerPython } from '~/stack/runner-python';
import { readModelFolder } from '~/cli/model-folder';

export const CAFE_MODELS = [
  {
    name: 'clip-representative',
    build: 'clip',
    task: 'image-ranking',
    description: 'CLIP image encoder: picks the images that best cover a cafe',
  },
  {
    name: 'vlm-captioner',
    build: 'qwen2_5_vl',
    task: 'image-captioning',
    description: 'Qwen2.5-VL vision-language model: describes images from a Korean prompt',
  },
  {
    name: 'review-summariser',
    build: 'gemma3_text',
    task: 'text-summarisation',
    description: 'Gemma 3 text model: summarises Korean reviews in Korean',
  },
  {
    name: 'siglip',
    build: 'siglip2',
    task: 'image-embedding',
    description: 'SigLIP 2: embeds images and texts in one space',
  },
] as const;

export type CafeModelBuild = (typeof CAFE_MODELS)[number]['build'];

export interface BuiltModel {
  dir: string;
  /** The built-in model code that serves it: models/<family>/. */
  family: string;
  architecture: string;
  params: number;
  gpuMemoryMb: number;
}

/**
 * Builds the models missing from `dir` (tiny ones: seconds on a CPU) with models/build_models.py; returns every
 * model's folder and size.
 */
export function buildCafeModels(
  dir: string,
  opts: { root?: string; size?: 'tiny' | 'realistic' } = {},
): Record<CafeModelBuild, BuiltModel> {
  const root = opts.root ?? process.cwd();
  const manifest = (name: string) => path.join(dir, name, 'brewline-model.json');
  // a folder an older builder wrote (its manifest names no model code family) is built again
  const current = (name: string) =>
    existsSync(manifest(name)) && Boolean((JSON.parse(readFileSync(manifest(name), 'utf8')) as BuiltModel).family);
  const missing = CAFE_MODELS.map((m) => m.build).filter((name) => !current(name));
  for (const name of missing) rmSync(path.join(dir, name), { recursive: true, force: true });
  if (missing.length) {
    execFileSync(
      runnerPython(root, process.env.BREWLINE_PYTHON),
      [
        path.join(root, 'models/build_models.py'),
        '--out',
        dir,
        '--size',
        opts.size ?? 'tiny',
        '--only',
        missing.join(','),
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // safetensors writes weights readable by their owner only; runners read them as the sandbox's user
    for (const name of missing) readableByAll(path.join(dir, name));
  }
  return Object.fromEntries(
    CAFE_MODELS.map((m) => [m.build, JSON.parse(readFileSync(manifest(m.build), 'utf8')) as BuiltModel]),
  ) as Record<CafeModelBuild, BuiltModel>;
}

function readableByAll(folder: string): void {
  chmodSync(folder, 0o755);
  for (const entry of readdirSync(folder, { withFileTypes: true }))
    if (entry.isDirectory()) readableByAll(path.join(folder, entry.name));
    else chmodSync(path.join(folder, entry.name), 0o644);
}

/**
 * Registers the built models as versions of the cafe models, each with its family's model code and the production
 * alias, unless a version with the same weights and the same code exists (a second setup changes nothing).
 */
export async function registerCafeModels(
  db: Db,
  built: Record<CafeModelBuild, BuiltModel>,
  actor = 'setup',
  root = process.cwd(),
): Promise<void> {
  for (const m of CAFE_MODELS) {
    const model = built[m.build];
    const artifactUri = `file://${model.dir}`;
    // the family's code folder, read as the CLI reads a team's model folder
    const { files } = await readModelFolder(path.join(root, 'models', model.family));
    const hashes = Object.fromEntries(Object.entries(files).map(([file, text]) => [file, codeHashOf(text)]));
    const existing = await db.modelVersion.findMany({ where: { model: { name: m.name }, artifactUri } });
    if (existing.some((v) => sameFiles(v.codeFiles as Record<string, string>, hashes))) continue;
    await registerModelVersion(db, actor, {
      name: m.name,
      task: m.task,
      description: m.description,
      artifactUri,
      framework: 'transformers',
      runtime: 'python',
      gpuMemoryMb: model.gpuMemoryMb,
      code: { entrypoint: 'model.py:Model', files },
      aliases: ['production'],
    });
  }
}

function sameFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
