// Code cells' Python environments: one per distinct set of pinned requirements, built with uv from PyPI the first
// time a cell needs it, and kept in the machine's cache by the set's hash, shared by every run, version and pipeline
// that declares the same set. Nothing is installed while a cell runs; a cell only ever sees a finished environment.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Written last into a finished environment: a folder without it is a build that did not finish. */
const READY = '.brewline-ready';
/** Bumped when the way environments are built changes, so that older ones are not reused. */
const LAYOUT = 'cells-v1';

/** A requirement set that cannot be installed: the cell fails at once (retrying cannot help), naming why. */
export class EnvironmentBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentBuildError';
  }
}

export interface CellEnvironmentsOptions {
  /** Where environments live (<cache>/cell-envs by default). */
  dir: string;
  /** The uv executable. */
  uv: string;
  /** The interpreter environments are made from. */
  python: string;
  /** Variables uv runs with (the worker's: PATH, HOME, proxies, UV_* and PIP_* settings). */
  env: Record<string, string | undefined>;
  /** site-packages folders the environments see after their own packages (a model's code sees the runners'
   * torch and transformers; its pinned requirements come first). */
  basePaths?: string[];
  /** What the environments are for, in messages (default: "the pipeline's Python environment"). */
  label?: string;
  log?: (line: string) => void;
}

export class CellEnvironments {
  private readonly building = new Map<string, Promise<string>>();

  constructor(private readonly opts: CellEnvironmentsOptions) {}

  /** The environment's key: the sorted requirements (pins are exact, so the set names one environment). */
  static keyOf(requirements: readonly string[], basePaths: readonly string[] = []): string {
    const set = [...new Set(requirements.map((r) => r.trim()))].sort();
    return createHash('sha256')
      .update(JSON.stringify(basePaths.length ? [LAYOUT, set, basePaths] : [LAYOUT, set]))
      .digest('hex')
      .slice(0, 24);
  }

  /** The folder of a ready environment for these requirements, built first if need be. */
  async get(requirements: readonly string[]): Promise<string> {
    const key = CellEnvironments.keyOf(requirements, this.opts.basePaths);
    const dir = path.join(this.opts.dir, key);
    if (existsSync(path.join(dir, READY))) return dir;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(dir, requirements).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  private async build(dir: string, requirements: readonly string[]): Promise<string> {
    const started = Date.now();
    // built beside its final place and renamed when done: a crash leaves no half environment in use, and another
    // worker building the same set at the same time loses the rename and uses the winner's
    const temp = `${dir}.building-${process.pid}-${Date.now()}`;
    await mkdir(this.opts.dir, { recursive: true });
    try {
      await this.uv(['venv', '--relocatable', '--no-python-downloads', '--python', this.opts.python, temp]);
      if (this.opts.basePaths?.length) await this.addBasePaths(temp, this.opts.basePaths);
      if (requirements.length) {
        const file = path.join(temp, 'brewline-requirements.txt');
        await writeFile(file, `${[...requirements].sort().join('\n')}\n`);
        await this.uv(['pip', 'install', '--python', path.join(temp, 'bin', 'python'), '-r', file]);
      }
      await writeFile(path.join(temp, READY), new Date().toISOString());
      try {
        await rename(temp, dir);
      } catch (err) {
        if (!existsSync(path.join(dir, READY))) throw err;
        await rm(temp, { recursive: true, force: true });
      }
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    const took = Date.now() - started;
    this.opts.log?.(
      `${this.opts.label ?? 'cell environment'} ${path.basename(dir)} ` +
        `(${requirements.length} requirements) built in ${took} ms`,
    );
    return dir;
  }

  /** A .pth file in the new environment's site-packages: Python appends its lines to sys.path, after the
   * environment's own packages. */
  private async addBasePaths(env: string, basePaths: string[]): Promise<void> {
    const lib = path.join(env, 'lib');
    const python = (await readdir(lib)).find((d) => d.startsWith('python'));
    if (!python) throw new EnvironmentBuildError(`uv made no lib/python* folder in ${env}`);
    await writeFile(path.join(lib, python, 'site-packages', 'brewline-base.pth'), `${basePaths.join('\n')}\n`);
  }

  private async uv(args: string[]): Promise<void> {
    try {
      await run(this.opts.uv, args, {
        env: { ...this.opts.env, UV_NO_PROGRESS: '1' } as unknown as NodeJS.ProcessEnv,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 30 * 60_000,
      });
    } catch (err) {
      const e = err as { code?: unknown; stderr?: string; message: string };
      if (e.code === 'ENOENT')
        throw new Error(`uv is not installed at ${this.opts.uv}: run npm run setup (or set BREWLINE_UV)`);
      // uv says which requirement it could not resolve or install: pass its words on
      const said = (e.stderr ?? '')
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l.trim())
        .slice(-12)
        .join('\n');
      throw new EnvironmentBuildError(
        `${this.opts.label ?? "the pipeline's Python environment"} could not be built ` +
          `(uv ${args[0]} ${args[1] ?? ''}): ${said || e.message}`,
      );
    }
  }
}
