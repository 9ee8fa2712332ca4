// Read model of what cells displayed: a step attempt's stored displays, each image given the URL of its file (one of
// the attempt's artifacts, found by its path in the output folder).
import { type Display, readRecordedDisplays } from '~/common/displays';
import type { Db } from '~/server/db';
import { artifactUrl } from './artifacts';

export interface StepAttemptKey {
  runId: string;
  itemKey: string;
  stepId: string;
  attempt: number;
}

/** "./displays//3.png" and "displays/3.png" name the same file; artifacts are named the second way. */
export function outputPath(file: string): string {
  return file
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

const keyOf = (a: StepAttemptKey, name: string) => [a.runId, a.itemKey, a.stepId, a.attempt, name].join('\u0000');

/** The displays of each attempt given (StepRun.displays as stored), in the same order, with one artifact query. */
export async function presentDisplays(
  db: Db,
  attempts: (StepAttemptKey & { displays: unknown })[],
): Promise<Display[][]> {
  const recorded = attempts.map((a) => readRecordedDisplays(a.displays));
  const wanted = attempts.flatMap((a, i) => {
    const names = recorded[i]!.flatMap((d) => (d.kind === 'image' ? [outputPath(d.file)] : []));
    return names.length
      ? [{ runId: a.runId, itemKey: a.itemKey, stepId: a.stepId, attempt: a.attempt, name: { in: names } }]
      : [];
  });
  const files = wanted.length
    ? await db.artifact.findMany({
        where: { OR: wanted },
        select: { id: true, runId: true, itemKey: true, stepId: true, attempt: true, name: true },
      })
    : [];
  const urls = new Map(files.map((f) => [keyOf(f, f.name), artifactUrl(f.id)]));
  return recorded.map((displays, i) =>
    displays.map((d): Display => {
      if (d.kind !== 'image') return d;
      return { ...d, url: urls.get(keyOf(attempts[i]!, outputPath(d.file))) ?? null };
    }),
  );
}
