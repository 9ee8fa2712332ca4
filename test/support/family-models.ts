// The built-in model families' tiny models (models/build_models.py: the real architectures, randomly initialised),
// built once per version of the builder and of the runners' packages into a cache folder, and served by their
// model code (models/<family>/model.py) in a real runner process.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runnerPython } from '~/stack/runner-python';
import { RunnerProcess } from '~/workers/models/runner-process';

export const FAMILY_MODELS = {
  clip: 'image-text-embedder',
  siglip2: 'image-text-embedder',
  siglip: 'image-text-embedder',
  qwen2_5_vl: 'vision-language-chat',
  gemma3_vlm: 'vision-language-chat',
  gemma3_text: 'text-chat',
  qwen2_text: 'text-chat',
  blip: 'captioner',
} as const;

export type FamilyModelName = keyof typeof FAMILY_MODELS;

export interface FamilyModel {
  model: FamilyModelName;
  dir: string;
  family: string;
  architecture: string;
  params: number;
  bytes: number;
  gpuMemoryMb: number;
}

/** The folder the tiny models are cached in: a new one when the builder or the pinned packages change. */
export function familyModelsDir(root = process.cwd()): string {
  const hash = createHash('sha256');
  for (const file of ['models/build_models.py', 'runners/requirements.txt'])
    hash.update(readFileSync(path.join(root, file)));
  return path.join(os.tmpdir(), 'brewline-test-models', hash.digest('hex').slice(0, 16));
}

/** Builds the tiny models unless the cache has them (seconds on a CPU), and returns each model's manifest. */
export function buildFamilyModels(root = process.cwd()): Record<FamilyModelName, FamilyModel> {
  const dir = familyModelsDir(root);
  const names = Object.keys(FAMILY_MODELS) as FamilyModelName[];
  const manifest = (name: string) => path.join(dir, name, 'brewline-model.json');
  if (!names.every((name) => existsSync(manifest(name)))) {
    // built beside the cache and moved in whole: another test process never sees half a model
    const building = `${dir}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    execFileSync(
      runnerPython(root, process.env.BREWLINE_PYTHON),
      [path.join(root, 'models/build_models.py'), '--out', building, '--size', 'tiny', '--device', 'cpu'],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process moved its own in first
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const built = JSON.parse(readFileSync(manifest(name), 'utf8')) as FamilyModel;
      return [name, { ...built, dir: path.join(dir, name) }];
    }),
  ) as Record<FamilyModelName, FamilyModel>;
}

export interface InferReply {
  outputs: unknown[];
  errors?: Record<string, string>;
}

export interface ServedModel {
  /** Resolves once the model code's load() has answered. */
  loaded: Promise<Record<string, unknown>>;
  infer(inputs: unknown[]): Promise<InferReply>;
  stop(): Promise<void>;
  log: string[];
}

/** Serves a built model with its family's model code: runners/model_host.py models/<family> model.py:Model. */
export function serveFamilyModel(model: FamilyModel, root = process.cwd()): ServedModel {
  const log: string[] = [];
  const runner = new RunnerProcess({
    argv: [
      runnerPython(root, process.env.BREWLINE_PYTHON),
      '-u',
      'runners/model_host.py',
      `models/${model.family}`,
      'model.py:Model',
    ],
    cwd: root,
    // one thread each: the runners load side by side on a small machine
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      LANG: 'C.UTF-8',
      BREWLINE_RUNNER_THREADS: '1',
    },
    onLog: (line) => log.push(line),
  });
  const loaded = runner.request(
    { op: 'load', model: { name: model.model, version: 1, artifactUri: `file://${model.dir}`, framework: 'python' } },
    120_000,
  );
  loaded.catch(() => undefined); // awaited by the test that uses it
  return {
    loaded,
    log,
    infer: async (inputs) => {
      await loaded;
      const reply = await runner.request({ op: 'infer', inputs }, 120_000);
      return { outputs: reply.outputs as unknown[], ...(reply.errors ? { errors: reply.errors } : {}) } as InferReply;
    },
    stop: () => runner.stop(),
  };
}
