// The model runners' Python environment. It is large (torch with its CUDA libraries: several GB), so it lives in
// the machine's cache, one per version of runners/requirements.txt (pinned): <cache>/venvs/<hash>, and the
// project's .venv links to it. A second clone on the same machine, or the same clone after a pull that did not
// change the requirements, reuses it at once; a change builds a new one beside the old.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir } from '../stack/paths';
import { ensureUv } from '../stack/uv';

const STAMP = 'brewline-requirements.sha256';

export function ensurePythonEnv(root = process.cwd()): string {
  const requirements = path.join(root, 'runners', 'requirements.txt');
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const link = path.join(root, '.venv');
  const ready = (dir: string) =>
    existsSync(path.join(dir, 'bin', 'python')) &&
    existsSync(path.join(dir, STAMP)) &&
    readFileSync(path.join(dir, STAMP), 'utf8') === hash;

  // a .venv of its own (made by hand, or by an older setup) that matches is kept
  if (existsSync(link) && !lstatSync(link).isSymbolicLink() && ready(link)) return `${link} (requirements unchanged)`;

  const venv = path.join(cacheDir(), 'venvs', hash.slice(0, 16));
  let built = false;
  if (!ready(venv)) {
    // a venv cannot move once made: build it in place; a half-built one (no stamp) is started again
    rmSync(venv, { recursive: true, force: true });
    console.log(`Creating the runners' Python environment in ${venv} (first time only; torch is several GB)...`);
    execFileSync(process.env.BREWLINE_PYTHON ?? 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      path.join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements],
      { stdio: 'inherit' },
    );
    writeFileSync(path.join(venv, STAMP), hash);
    built = true;
  }
  if (!(existsSync(link) && lstatSync(link).isSymbolicLink() && readlinkSync(link) === venv)) {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(venv, link, 'dir');
  }
  return `${link} -> ${venv} (${built ? 'built' : 'cached'})`;
}

// `tsx scripts/python-env.ts` (npm test runs it first): create or check .venv, and uv (code cells' environments)
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(ensurePythonEnv());
  console.log(`uv: ${ensureUv()}`);
}
