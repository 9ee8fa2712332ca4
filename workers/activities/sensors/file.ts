// A file sensor: the file exists; the last path segment may use * and ?.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { globRegExp, hasGlob } from './glob';
import type { SensorContext, SensorReading } from './types';

export async function checkFile(
  check: { path: string },
  ctx: SensorContext,
  deps: { cwd: string },
): Promise<SensorReading> {
  const target = path.resolve(deps.cwd, ctx.fill(check.path));
  const pattern = path.basename(target);
  if (!hasGlob(pattern)) {
    const met = await stat(target).then(
      () => true,
      () => false,
    );
    return { met, what: `file ${target}` };
  }
  const re = globRegExp(pattern);
  const names = await readdir(path.dirname(target)).catch(() => [] as string[]);
  return { met: names.some((n) => re.test(n)), what: `a file matching ${target}` };
}
