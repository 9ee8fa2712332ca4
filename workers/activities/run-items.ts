// Resolves a run's items from the pipeline's fan-out source.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { itemKeysProblems } from '~/common/item-key';
import { formatBytes, formatCount, MAX_ITEMS_FILE_BYTES, MAX_ITEMS_PER_RUN } from '~/common/limits';
import type { ItemsSource } from '~/common/pipeline-spec';
import { fillPlaceholders } from '~/common/placeholders';

export class ItemsError extends Error {
  override name = 'ItemsError';
}

/** Where a JSON file went wrong, without quoting it (a file that is not what it should be may hold anything). */
function notJson(what: string, e: unknown): ItemsError {
  const at = /at position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
  return new ItemsError(`${what} is not a JSON array${at ? ` (invalid JSON at position ${at})` : ' (invalid JSON)'}`);
}

/** A file's text, refused (without reading it) when it is no file or too large for MAX_ITEMS_PER_RUN keys. */
async function readItemsFile(file: string, shown: string): Promise<string> {
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new ItemsError(`${shown} cannot be read (${e.code ?? 'error'})`);
  });
  if (!info.isFile()) throw new ItemsError(`${shown} is not a file`);
  if (info.size > MAX_ITEMS_FILE_BYTES)
    throw new ItemsError(
      `${shown} is larger than ${formatBytes(MAX_ITEMS_FILE_BYTES)} ` +
        `(a run has at most ${formatCount(MAX_ITEMS_PER_RUN)} items, MAX_ITEMS_PER_RUN)`,
    );
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ItemsError(`${shown} cannot be read (${e.code ?? 'error'})`);
  });
}

/** Where an items file may be: the worker's working directory (less its data folder, which holds the database's
 * files and every run's outputs) and the admin's shared folders. */
export interface ItemsRoots {
  workDir: string;
  dataDir?: string;
  shared: string[];
}

async function within(file: string, folder: string): Promise<boolean> {
  const base = await realpath(folder).catch(() => null);
  return !!base && (file === base || file.startsWith(base.endsWith(path.sep) ? base : base + path.sep));
}

/** The file's real path, when it lies inside the allowed roots (after symbolic links); else an ItemsError. */
async function insideRoots(file: string, shown: string, roots: ItemsRoots): Promise<string> {
  const real = await realpath(file).catch((e: NodeJS.ErrnoException) => {
    throw new ItemsError(`items file ${shown} cannot be read (${e.code ?? 'error'})`);
  });
  for (const root of roots.shared) if (await within(real, root)) return real;
  if (await within(real, roots.workDir)) {
    if (roots.dataDir && (await within(real, roots.dataDir)))
      throw new ItemsError(`items file ${shown} is inside the worker's data folder`);
    return real;
  }
  throw new ItemsError(
    `items file ${shown} is outside the folders a worker reads items from ` +
      '(its working directory and BREWLINE_STEP_SHARED_DIRS)',
  );
}

/**
 * The run's item keys. A file source is read only inside `roots` (the worker's working directory, data folder and
 * shared folders): a param may choose the file, and the run's errors are shown to every viewer.
 */
export async function resolveItems(
  source: ItemsSource,
  params: Record<string, unknown>,
  cwd: string,
  roots: ItemsRoots = { workDir: cwd, shared: [] },
): Promise<string[]> {
  let keys: unknown;
  switch (source.source) {
    case 'param':
      keys = params[source.param];
      break;
    case 'file': {
      const file = fillPlaceholders(
        source.path,
        (p) => (p.kind === 'params' && typeof params[p.name] === 'string' ? (params[p.name] as string) : undefined),
        (name) => {
          throw new ItemsError(`items file path: {${name}} has no string value`);
        },
      );
      const text = await readItemsFile(await insideRoots(path.resolve(cwd, file), file, roots), `items file ${file}`);
      try {
        keys = JSON.parse(text);
      } catch (e) {
        throw notJson(`items file ${file}`, e);
      }
      break;
    }
    case 'step':
      throw new ItemsError(`items of step ${source.step} are read after it has run (readStepItems)`);
    default: {
      const unreachable: never = source;
      throw new ItemsError(`unknown items source ${JSON.stringify(unreachable)}`);
    }
  }
  return checkItemKeys(keys);
}

/** Every key valid and unique and at most MAX_ITEMS_PER_RUN of them, or one error naming each bad one. The
 * messages quote keys only of a JSON array, never the text of a file. */
export function checkItemKeys(keys: unknown): string[] {
  const problems = itemKeysProblems(keys);
  if (problems.length) throw new ItemsError(problems.slice(0, 20).join('; '));
  return keys as string[];
}

/** Items written by a run-level step into its output directory. */
export async function readStepItems(file: string, stepId: string): Promise<string[]> {
  const text = await readItemsFile(file, `items file ${path.basename(file)} of step ${stepId}`);
  try {
    return checkItemKeys(JSON.parse(text));
  } catch (e) {
    if (e instanceof ItemsError) throw new ItemsError(`items of step ${stepId}: ${e.message}`);
    throw notJson(`items file of step ${stepId}`, e);
  }
}
