// The Python that runs model runners (and the scripts beside them, e.g. a sample's model builder): a tool of the
// embedded stack, shared by the workers and the pipelines, which import nothing of each other.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The configured one (BREWLINE_PYTHON), else the project's .venv, else python3 on PATH. */
export function runnerPython(root: string, configured: string | undefined): string {
  if (configured) return configured;
  const venv = path.join(root, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}
