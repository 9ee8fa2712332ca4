// A model folder, as `brewline models register <folder>` reads it: the model's Python code (every *.py at any
// depth, hidden folders and __pycache__ left out), its pinned requirements (requirements.txt) and, unless the
// weights are named with --weights, its weights (the weights/ sub-folder, referred to by path, never sent as code).
// The server checks the result again (paths, sizes, the entrypoint, pinned requirements).
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { registerModelVersionInput } from '~/server/services/models/models';

export type ModelVersionInput = z.input<typeof registerModelVersionInput>;

export interface ModelFolder {
  /** { "relative/path.py": text }, paths with "/" whatever the platform. */
  files: Record<string, string>;
  /** requirements.txt's lines, comments and blank lines left out ([] without the file). */
  requirements: string[];
  /** The weights/ sub-folder's real path, when there is one. */
  weightsDir: string | null;
}

export interface RegisterOptions {
  name: string;
  task: string;
  /** A URI or path of the weights; without it, the folder's weights/ sub-folder. */
  weights?: string;
  gpuMemoryMb?: number;
  entrypoint?: string;
  aliases?: string[];
  framework?: string;
  description?: string;
}

/** A model folder's problem that the person can mend (the CLI prints it as it is). */
export class ModelFolderError extends Error {}

const SKIPPED_DIRS = new Set(['__pycache__']);
const WEIGHTS_DIR = 'weights';

/** The code, requirements and weights folder of a model folder; a path that leaves the folder is refused. */
export async function readModelFolder(folder: string): Promise<ModelFolder> {
  const root = await realpath(path.resolve(folder)).catch((err: NodeJS.ErrnoException) => {
    throw new ModelFolderError(`${folder}: cannot read the model folder (${err.code ?? err.message})`);
  });
  if (!(await lstat(root)).isDirectory()) throw new ModelFolderError(`${folder} is not a folder`);
  const inside = (real: string) => real === root || real.startsWith(`${root}${path.sep}`);
  const files: Record<string, string> = {};
  const seen = new Set<string>([root]);

  async function walk(dir: string, rel: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      // the weights are referred to by path, not sent: whatever they hold (even .py files) stays behind
      if (rel.length === 0 && entry.name === WEIGHTS_DIR) continue;
      const full = path.join(dir, entry.name);
      const shown = [...rel, entry.name].join('/');
      let real = full;
      if (entry.isSymbolicLink()) {
        real = await realpath(full).catch(() => {
          throw new ModelFolderError(`${shown}: a link to nothing`);
        });
        if (!inside(real)) throw new ModelFolderError(`${shown} leads out of the model folder (to ${real}): refused`);
      }
      const stat = await lstat(real);
      if (stat.isDirectory()) {
        // a link back to a folder already read would go round for ever
        if (seen.has(real)) continue;
        seen.add(real);
        await walk(real, [...rel, entry.name]);
      } else if (stat.isFile() && entry.name.endsWith('.py')) {
        files[shown] = await readFile(real, 'utf8');
      }
    }
  }
  await walk(root, []);

  return {
    files,
    requirements: await readRequirements(root, inside),
    weightsDir: await weightsDirOf(root),
  };
}

async function readRequirements(root: string, inside: (real: string) => boolean): Promise<string[]> {
  const file = path.join(root, 'requirements.txt');
  const real = await realpath(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new ModelFolderError(`requirements.txt: cannot read it (${err.code ?? err.message})`);
  });
  if (real === null) return [];
  if (!inside(real)) throw new ModelFolderError(`requirements.txt leads out of the model folder (to ${real}): refused`);
  return parseRequirements(await readFile(real, 'utf8'));
}

/** requirements.txt's requirements: "#" comments and blank lines left out; the server checks each is pinned. */
export function parseRequirements(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** weights/ may be a link to weights kept elsewhere (they are only referred to): its real path. */
async function weightsDirOf(root: string): Promise<string | null> {
  const real = await realpath(path.join(root, WEIGHTS_DIR)).catch(() => null);
  if (!real) return null;
  return (await lstat(real)).isDirectory() ? real : null;
}

/** A local path as a file:/// URI; a URI (s3://, file://) as it is. */
function weightsUri(weights: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(weights)) return weights;
  return `file://${path.resolve(weights)}`;
}

/** What models.registerVersion is sent for a model folder. */
export async function modelVersionFromFolder(folder: string, options: RegisterOptions): Promise<ModelVersionInput> {
  const { files, requirements, weightsDir } = await readModelFolder(folder);
  if (Object.keys(files).length === 0) throw new ModelFolderError(`${folder} holds no Python files (*.py)`);
  const weights = options.weights ?? weightsDir;
  if (!weights) throw new ModelFolderError(`${folder} has no weights/ folder: name the weights with --weights <uri>`);
  return {
    name: options.name,
    task: options.task,
    ...(options.description !== undefined && { description: options.description }),
    artifactUri: weightsUri(weights),
    framework: options.framework ?? 'python',
    runtime: 'python',
    ...(options.gpuMemoryMb !== undefined && { gpuMemoryMb: options.gpuMemoryMb }),
    code: { ...(options.entrypoint !== undefined && { entrypoint: options.entrypoint }), files },
    requirements,
    aliases: options.aliases ?? [],
  };
}
