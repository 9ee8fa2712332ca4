// The files a model input names (runners/PROTOCOL.md: its `image` and `path` fields, and each of its `images`),
// kept inside the folders its caller may read: a step must not have a runner read another run's outputs, the
// worker's secrets or /etc.
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** The fields of an input object that name a file (a local path or file:// URI); runners read files from no other. */
export const FILE_FIELDS = ['image', 'path'] as const;
/** The fields that name a list of files (a vision-language model's images). */
export const FILE_LIST_FIELDS = ['images'] as const;
/** The most files one list field may name. */
export const MAX_FILES_PER_FIELD = 64;

/** An input names a file that is not in its caller's folders (or no file at all). */
export class InputFileError extends Error {
  override name = 'InputFileError';
}

/** The folders, resolved through symlinks; those that do not exist are left out. */
export async function realFolders(folders: string[]): Promise<string[]> {
  const real = await Promise.all(folders.map((f) => realpath(f).catch(() => undefined)));
  return [...new Set(real.filter((f) => f !== undefined))];
}

export function isInside(file: string, folders: string[]): boolean {
  return folders.some(
    (folder) => file === folder || file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep),
  );
}

/**
 * The inputs with each file field replaced by the file's real path, after checking that it resolves (symlinks
 * followed) inside one of `folders` (real paths, see realFolders). Throws InputFileError naming the input's position.
 */
export async function confineInputFiles(inputs: unknown[], folders: string[]): Promise<unknown[]> {
  return Promise.all(
    inputs.map(async (input, i) => {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
      const confined: Record<string, unknown> = { ...input };
      const confine = async (field: string, value: unknown): Promise<string> => {
        if (typeof value !== 'string') throw new InputFileError(`input ${i}: ${field} must be a file path`);
        const file = value.startsWith('file://') ? value.slice('file://'.length) : value;
        if (!path.isAbsolute(file))
          throw new InputFileError(`input ${i}: ${field} ${JSON.stringify(value)} is not an absolute path`);
        const real = await realpath(file).catch((e: NodeJS.ErrnoException) => {
          throw new InputFileError(
            `input ${i}: ${field} ${JSON.stringify(value)} cannot be read (${e.code ?? e.message})`,
          );
        });
        if (!isInside(real, folders))
          throw new InputFileError(
            `input ${i}: ${field} ${JSON.stringify(value)} is outside the folders this step may read ` +
              '(its own and those of the steps it needs)',
          );
        return real;
      };
      for (const field of FILE_FIELDS)
        if (confined[field] !== undefined) confined[field] = await confine(field, confined[field]);
      for (const field of FILE_LIST_FIELDS) {
        const list = confined[field];
        if (list === undefined) continue;
        if (!Array.isArray(list) || list.length > MAX_FILES_PER_FIELD)
          throw new InputFileError(`input ${i}: ${field} must be a list of at most ${MAX_FILES_PER_FIELD} file paths`);
        confined[field] = await Promise.all(list.map((value, n) => confine(`${field}[${n}]`, value)));
      }
      return confined;
    }),
  );
}
