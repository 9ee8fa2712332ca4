// A model version's code, made ready to run: its files written once into <dataDir>/model-code/<hash of the set>
// (checked against their hashes, renamed into place when complete), and the Python to run it with: the runners'
// own, or, for pinned requirements, an environment built with uv that keeps the runners' packages behind them.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ModelCodeRef, ResolvedModel } from '~/common/model-ref';
import type { CellEnvironments } from '~/workers/cells/environments';
import { ModelUnservableError } from './model-pool';

const run = promisify(execFile);

export interface PreparedModelCode {
  /** The folder holding the code's files. */
  dir: string;
  /** The interpreter to serve it with. */
  python: string;
}

export interface ModelCodeOptions {
  /** Where code folders are kept (<dataDir>/model-code). */
  dir: string;
  /** A stored file's text by its sha256. */
  source: (hash: string) => Promise<string | undefined>;
  /** The runners' Python: served with when the code pins nothing, and the base of the environments. */
  python: string;
  /** Environments for code that pins requirements (built with the runners' site-packages as their base). */
  environments: CellEnvironments;
}

export const modelCodeKey = (code: ModelCodeRef) =>
  createHash('sha256')
    .update(JSON.stringify([code.entrypoint, Object.entries(code.files).sort(([a], [b]) => a.localeCompare(b))]))
    .digest('hex')
    .slice(0, 24);

export function modelCodePreparer(opts: ModelCodeOptions): (model: ResolvedModel) => Promise<PreparedModelCode> {
  const writing = new Map<string, Promise<string>>();
  return async (model) => {
    const code = model.code!;
    const key = modelCodeKey(code);
    const dir = path.join(opts.dir, key);
    if (!existsSync(dir)) {
      let pending = writing.get(key);
      if (!pending) {
        pending = writeCode(dir, model, opts.source).finally(() => writing.delete(key));
        writing.set(key, pending);
      }
      await pending;
    }
    const requirements = model.requirements ?? [];
    const python = requirements.length
      ? path.join(await opts.environments.get(requirements), 'bin', 'python')
      : opts.python;
    return { dir, python };
  };
}

async function writeCode(
  dir: string,
  model: ResolvedModel,
  source: (hash: string) => Promise<string | undefined>,
): Promise<string> {
  const temp = `${dir}.writing-${process.pid}-${Date.now()}`;
  try {
    for (const [file, hash] of Object.entries(model.code!.files)) {
      const text = await source(hash);
      if (text === undefined || createHash('sha256').update(text, 'utf8').digest('hex') !== hash)
        throw new ModelUnservableError(
          `model ${model.name}@${model.version}: its code file ${file} (sha256 ${hash}) is not stored`,
        );
      const target = path.join(temp, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text, { mode: 0o644 });
    }
    await mkdir(path.dirname(dir), { recursive: true });
    await rename(temp, dir).catch((err: unknown) => {
      // another worker wrote the same code first: theirs is the same files
      if (!existsSync(dir)) throw err;
    });
    return dir;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The runners' Python's site-packages folders: the base a model environment layers its requirements on. */
export async function sitePackagesOf(python: string): Promise<string[]> {
  const { stdout } = await run(python, ['-c', 'import json, site; print(json.dumps(site.getsitepackages()))']);
  return (JSON.parse(stdout) as string[]).filter((p) => existsSync(p));
}
