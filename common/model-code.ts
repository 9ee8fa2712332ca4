// A model version's code: the Python files that serve its weights, and the class to serve them with
// ("module:Class"). Checked here for the API, the CLI and the portal alike.
import { z } from 'zod';
import { formatCount, MAX_MODEL_CODE_BYTES, MAX_MODEL_CODE_FILES } from './limits';

/** A relative path inside the code folder: no absolute path, no "..", no hidden segment. */
const CODE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}){0,9}$/;
/** "model.py:Model" (a file) or "package.module:Model" (a module on the code folder's path). */
const ENTRYPOINT =
  /^(?:(?<file>[A-Za-z0-9_][A-Za-z0-9_.\/-]{0,199}\.py)|(?<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)):[A-Za-z_]\w*$/;

export const DEFAULT_MODEL_ENTRYPOINT = 'model.py:Model';

/** The file an entrypoint's module is in, among those it could be. */
export function entrypointFiles(entrypoint: string): string[] {
  const match = ENTRYPOINT.exec(entrypoint);
  if (!match?.groups) return [];
  if (match.groups.file) return [match.groups.file];
  const base = match.groups.module!.replaceAll('.', '/');
  return [`${base}.py`, `${base}/__init__.py`];
}

export const modelCodeSchema = z
  .strictObject({
    entrypoint: z
      .string()
      .max(300)
      .regex(ENTRYPOINT, 'must be "file.py:Class" or "package.module:Class"')
      .default(DEFAULT_MODEL_ENTRYPOINT),
    /** { "relative/path.py": "its text" } */
    files: z.record(z.string(), z.string()),
  })
  .superRefine((code, ctx) => {
    const paths = Object.keys(code.files);
    // checked here rather than as the record's key schema, so that the message names the path and the rule
    for (const file of paths.filter((p) => !CODE_PATH.test(p)).slice(0, 10))
      ctx.addIssue({
        code: 'custom',
        path: ['files', file],
        message: 'must be a relative path of letters, digits, ".", "_", "-" (no "..", no hidden files)',
      });
    if (paths.length === 0) ctx.addIssue({ code: 'custom', path: ['files'], message: 'must hold at least one file' });
    if (paths.length > MAX_MODEL_CODE_FILES)
      ctx.addIssue({
        code: 'custom',
        path: ['files'],
        message: `must hold at most ${formatCount(MAX_MODEL_CODE_FILES)} files (MAX_MODEL_CODE_FILES)`,
      });
    const bytes = Object.values(code.files).reduce((n, text) => n + Buffer.byteLength(text, 'utf8'), 0);
    if (bytes > MAX_MODEL_CODE_BYTES)
      ctx.addIssue({
        code: 'custom',
        path: ['files'],
        message:
          `must total at most ${formatCount(MAX_MODEL_CODE_BYTES)} bytes (MAX_MODEL_CODE_BYTES), ` +
          `not ${formatCount(bytes)}`,
      });
    const candidates = entrypointFiles(code.entrypoint);
    if (candidates.length && !candidates.some((f) => f in code.files))
      ctx.addIssue({
        code: 'custom',
        path: ['entrypoint'],
        message: `names ${candidates.join(' or ')}, which the code's files do not hold`,
      });
  });
export type ModelCodeInput = z.input<typeof modelCodeSchema>;
