// Jupyter's own notebook validator (the Python nbformat package), for tests that check an exported .ipynb.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Python with nbformat 5.10.4, in a virtual environment made once per machine. */
export async function nbformatPython(): Promise<string> {
  const venv = path.join(os.homedir(), '.cache/brewline/test-venvs/nbformat');
  const bin = path.join(venv, 'bin/python');
  if (!existsSync(bin)) {
    await mkdir(path.dirname(venv), { recursive: true });
    await run('python3', ['-m', 'venv', venv]);
    await run(bin, ['-m', 'pip', 'install', '--quiet', 'nbformat==5.10.4'], { timeout: 180_000 });
  }
  return bin;
}

/** What nbformat's validator says of a notebook: '' when it is valid. */
export async function nbformatProblems(json: string): Promise<string> {
  const python = await nbformatPython();
  const check = 'import nbformat,sys; nbformat.validate(nbformat.reads(sys.stdin.read(), as_version=4))';
  return new Promise((resolve, reject) => {
    // warnings are errors: nbformat only warns of a 4.5 cell without its id
    const child = spawn(python, ['-W', 'error', '-c', check], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0 ? '' : stderr || `exit ${code}`));
    child.stdin.end(json);
  });
}
