// Resolves a run's items from the pipeline's fan-out source.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { itemKeysProblems } from '~/common/item-key';
import type { ItemsSource } from '~/common/pipeline-spec';
import { fillPlaceholders } from '~/common/placeholders';

export class ItemsError extends Error {
  override name = 'ItemsError';
}

export async function resolveItems(
  source: ItemsSource,
  params: Record<string, unknown>,
  cwd: string,
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
      const text = await readFile(path.resolve(cwd, file), 'utf8').catch((e: Error) => {
        throw new ItemsError(`items file ${file} cannot be read: ${e.message}`);
      });
      try {
        keys = JSON.parse(text);
      } catch (e) {
        throw new ItemsError(`items file ${file} is not JSON: ${(e as Error).message}`);
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

/** Every key valid and unique, or one error naming each bad one. */
export function checkItemKeys(keys: unknown): string[] {
  const problems = itemKeysProblems(keys);
  if (problems.length) throw new ItemsError(problems.slice(0, 20).join('; '));
  return keys as string[];
}

/** Items written by a run-level step into its output directory. */
export async function readStepItems(file: string, stepId: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new ItemsError(`step ${stepId} wrote no items file ${path.basename(file)}: ${e.message}`);
  });
  try {
    return checkItemKeys(JSON.parse(text));
  } catch (e) {
    if (e instanceof ItemsError) throw new ItemsError(`items of step ${stepId}: ${e.message}`);
    throw new ItemsError(`items file of step ${stepId} is not JSON: ${(e as Error).message}`);
  }
}
