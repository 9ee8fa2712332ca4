// The extension point for builtins a team ships with its pipelines: every pipelines/<team>/builtins.ts that exports
// `builtins` (builtin steps by name) is loaded by each worker, so the platform names no team's code.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Builtin } from './types';

/** The repository's pipelines/ folder. */
export const PIPELINES_DIR = fileURLToPath(new URL('../../../pipelines/', import.meta.url));

/** Every team's builtins; a name two teams ship is an error, not a silent override. */
export async function loadPipelineBuiltins(dir = PIPELINES_DIR): Promise<Record<string, Builtin>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const teams = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const builtins: Record<string, Builtin> = {};
  const shippedBy = new Map<string, string>();
  for (const team of teams) {
    const file = path.join(dir, team, 'builtins.ts');
    if (!existsSync(file)) continue;
    const shipped = ((await import(pathToFileURL(file).href)) as { builtins?: unknown }).builtins;
    if (!isBuiltins(shipped)) throw new Error(`${file} must export builtins: builtin steps (functions) by name`);
    for (const [name, builtin] of Object.entries(shipped)) {
      const other = shippedBy.get(name);
      if (other) throw new Error(`builtin "${name}" is shipped by both pipelines/${other} and pipelines/${team}`);
      shippedBy.set(name, team);
      builtins[name] = builtin;
    }
  }
  return builtins;
}

function isBuiltins(value: unknown): value is Record<string, Builtin> {
  return typeof value === 'object' && value !== null && Object.values(value).every((fn) => typeof fn === 'function');
}
