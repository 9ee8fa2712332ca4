// uv, the tool the workers build code cells' Python environments with (workers/cells/environments.ts). It is a
// PyPI package: setup (and the tests' pretest) installs one pinned version into the machine's cache, once.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';

export const UV_VERSION = '0.13.9';

/** Where setup installs uv (BREWLINE_UV names another). */
export const defaultUvPath = () => path.join(cacheDir(), 'tools', `uv-${UV_VERSION}`, 'bin', 'uv');

export function ensureUv(python = process.env.BREWLINE_PYTHON ?? 'python3'): string {
  const uv = defaultUvPath();
  if (existsSync(uv)) return `${uv} (cached)`;
  const venv = path.dirname(path.dirname(uv));
  rmSync(venv, { recursive: true, force: true });
  execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(
    path.join(venv, 'bin', 'python'),
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `uv==${UV_VERSION}`],
    { stdio: 'inherit' },
  );
  return `${uv} (installed)`;
}
