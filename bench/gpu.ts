// npm run bench:gpu [-- --dongs 20 --concurrency 4 --size tiny|realistic --out DIR --steps ...]
// The benchmark itself is runners/bench_gpu.py, in Python so that it runs on a GPU machine that has no Node (see
// docs/benchmarks.md); this runs it with the runners' Python (BREWLINE_PYTHON, else .venv, else python3), the
// arguments passed through, and exits with its status.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerPython } from '~/stack/runner-python';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = runnerPython(root, process.env.BREWLINE_PYTHON);
const run = spawnSync(python, [path.join(root, 'runners', 'bench_gpu.py'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
if (run.error) throw run.error;
process.exit(run.status ?? 1);
