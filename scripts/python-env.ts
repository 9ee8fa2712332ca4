// The model runners' Python environment: .venv, created from runners/requirements.txt (pinned). Rebuilt only
// when the requirements change (their hash is kept in .venv/brewline-requirements.sha256).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function ensurePythonEnv(root = process.cwd()): string {
  const venv = path.join(root, '.venv');
  const python = path.join(venv, 'bin', 'python');
  const requirements = path.join(root, 'runners', 'requirements.txt');
  const stamp = path.join(venv, 'brewline-requirements.sha256');
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return `${python} (requirements unchanged)`;
  const base = process.env.BREWLINE_PYTHON ?? 'python3';
  if (!existsSync(python)) execFileSync(base, ['-m', 'venv', venv], { stdio: 'inherit' });
  const packages = readFileSync(requirements, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  if (packages.length) execFileSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], { stdio: 'inherit' });
  writeFileSync(stamp, hash);
  return `${python} (${packages.length} pinned package${packages.length === 1 ? '' : 's'})`;
}

// `tsx scripts/python-env.ts` (npm test runs it first): create or check .venv
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) console.log(ensurePythonEnv());
