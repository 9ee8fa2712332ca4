// Read model of one cell of a run's grid: every attempt of one step for one item, with errors, the log tail,
// the JSON result, what it displayed (images with their file's URL), and the files it produced.
import type { StepStatus } from '~/common/statuses';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { listArtifacts } from './artifacts';
import { presentDisplays } from './displays';

export async function stepAttempts(db: Db, input: { runId: string; itemKey: string; stepId: string }) {
  const run = await db.run.findUnique({ where: { id: input.runId }, select: { id: true } });
  if (!run) throw AppError.notFound(`run ${input.runId}`);
  const rows = await db.stepRun.findMany({
    where: { runId: input.runId, itemKey: input.itemKey, stepId: input.stepId },
    orderBy: { attempt: 'desc' },
    select: {
      attempt: true,
      status: true,
      queue: true,
      worker: true,
      error: true,
      log: true,
      logTruncated: true,
      result: true,
      displays: true,
      artifactCount: true,
      startedAt: true,
      endedAt: true,
    },
  });
  const latest = rows[0];
  const [files, displays] = await Promise.all([
    latest && latest.artifactCount > 0 ? listArtifacts(db, { ...input, attempt: latest.attempt }) : [],
    presentDisplays(
      db,
      rows.map((r) => ({ ...input, attempt: r.attempt, displays: r.displays })),
    ),
  ]);
  return {
    attempts: rows.map((r, i) => ({
      ...r,
      /** what the cell displayed, in order (empty for steps that are not code cells) */
      displays: displays[i]!,
      startedMs: r.startedAt.getTime(),
      endedMs: r.endedAt?.getTime() ?? null,
      startedAt: undefined,
      endedAt: undefined,
    })),
    files,
  };
}

/** Each item's step intervals for a timeline, a page of items at a time (in item order). */
export async function runTimeline(
  db: Db,
  input: { runId: string; offset: number; limit: number; itemKeys?: string[] },
) {
  const items = await db.itemRun.findMany({
    where: { runId: input.runId, ...(input.itemKeys ? { key: { in: input.itemKeys } } : {}) },
    orderBy: { ordinal: 'asc' },
    skip: input.itemKeys ? 0 : input.offset,
    take: input.limit,
    select: { key: true },
  });
  const keys = items.map((i) => i.key);
  const steps = await db.stepRun.findMany({
    where: { runId: input.runId, itemKey: { in: keys } },
    orderBy: [{ startedAt: 'asc' }],
    select: { itemKey: true, stepId: true, attempt: true, queue: true, status: true, startedAt: true, endedAt: true },
  });
  const byItem = new Map(
    keys.map((k) => [
      k,
      [] as {
        stepId: string;
        attempt: number;
        queue: string;
        status: StepStatus;
        startMs: number;
        endMs: number | null;
      }[],
    ]),
  );
  for (const s of steps)
    byItem.get(s.itemKey)?.push({
      stepId: s.stepId,
      attempt: s.attempt,
      queue: s.queue,
      status: s.status,
      startMs: s.startedAt.getTime(),
      endMs: s.endedAt?.getTime() ?? null,
    });
  return { items: keys.map((key) => ({ key, steps: byItem.get(key)! })) };
}
