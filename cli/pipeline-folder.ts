// Pipelines as code keep their cells in files beside the spec: a pipeline folder (pipeline.ts or pipeline.json,
// and e.g. cells/*.py) whose steps name their code with `codeFile` (and Markdown cells their text with
// `markdownFile`), relative to the spec's folder. The CLI reads those files and sends the code inline, so the
// server stores it like any other (by hash) and a run pins it.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SPEC_FILES = ['pipeline.ts', 'pipeline.mts', 'pipeline.js', 'pipeline.mjs', 'pipeline.json'];

/** The spec a file or a pipeline folder holds, with its cells' files read into it. */
export async function loadPipeline(target: string): Promise<unknown> {
  let file = path.resolve(target);
  if (existsSync(file) && statSync(file).isDirectory()) {
    const found = SPEC_FILES.map((f) => path.join(file, f)).find((f) => existsSync(f));
    if (!found) throw new Error(`${target} holds no ${SPEC_FILES.join(', ')}`);
    file = found;
  }
  const spec = file.endsWith('.json') ? JSON.parse(await readFile(file, 'utf8')) : await importSpec(file, target);
  return inlineCellFiles(spec, path.dirname(file));
}

async function importSpec(file: string, target: string): Promise<unknown> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const spec = mod.default ?? Object.values(mod).find((v) => v && typeof v === 'object' && 'steps' in v);
  if (!spec) throw new Error(`${target} exports no pipeline spec (export default or an object with steps)`);
  return spec;
}

const FILE_FIELDS = { codeFile: 'code', markdownFile: 'markdown' } as const;

/** Steps' `codeFile` / `markdownFile` replaced by the files' text; a path must stay inside the spec's folder. */
export async function inlineCellFiles(spec: unknown, dir: string): Promise<unknown> {
  const steps = (spec as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return spec;
  const root = path.resolve(dir);
  const inlined = await Promise.all(
    steps.map(async (step: unknown, i) => {
      if (!step || typeof step !== 'object') return step;
      const out: Record<string, unknown> = { ...(step as Record<string, unknown>) };
      for (const [field, into] of Object.entries(FILE_FIELDS)) {
        const name = out[field];
        if (name === undefined) continue;
        delete out[field];
        if (typeof name !== 'string' || !name) throw new Error(`steps.${i}.${field} must be a file name`);
        const full = path.resolve(root, name);
        if (path.isAbsolute(name) || !full.startsWith(`${root}${path.sep}`))
          throw new Error(`steps.${i}.${field} must lie inside the pipeline's folder (${root}): ${name}`);
        if (out[into] !== undefined) throw new Error(`steps.${i} has both ${field} and ${into}: name one`);
        out[into] = await readFile(full, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new Error(`steps.${i}.${field}: cannot read ${name} (${err.code ?? err.message})`);
        });
      }
      return out;
    }),
  );
  return { ...(spec as object), steps: inlined };
}
