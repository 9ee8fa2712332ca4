// Operating schedules: pause and unpause with a note, trigger now, backfill a time range. The database is
// written first; Temporal follows (and reconciliation repairs it if the process dies in between).
import { z } from 'zod';
import { MAX_BACKFILL_SPAN_MS, MAX_DATE, MIN_DATE } from '~/common/limits';
import { backfillSlotsProblem, countScheduleSlots, OVERLAP_POLICIES, type ScheduleSpec } from '~/common/schedule-spec';
import type { Db, Prisma } from '~/server/db';
import { AppError } from '~/server/errors';
import {
  applySchedule,
  removeTemporalSchedule,
  temporalScheduleId,
  toTemporalOverlap,
  type ScheduleDeps,
} from './temporal-schedules';

type Tx = Prisma.TransactionClient;

/** Makes a pipeline's schedule rows match its spec (inside the version's transaction). Returns rows to sync. */
export async function replacePipelineSchedules(
  tx: Tx,
  pipeline: { id: string; slug: string },
  schedules: ScheduleSpec[],
) {
  const existing = await tx.schedule.findMany({ where: { pipelineId: pipeline.id } });
  const wanted = new Set(schedules.map((s) => s.name));
  const removed = existing.filter((e) => !wanted.has(e.name));
  await tx.schedule.deleteMany({ where: { id: { in: removed.map((r) => r.id) } } });
  for (const s of schedules) {
    const data = {
      cron: s.cron ?? null,
      every: s.every ?? null,
      timezone: s.timezone,
      overlap: s.overlap,
      catchupWindow: s.catchupWindow,
      params: s.params as object,
    };
    await tx.schedule.upsert({
      where: { pipelineId_name: { pipelineId: pipeline.id, name: s.name } },
      // an operator's pause outlives a new version of the spec
      create: {
        pipelineId: pipeline.id,
        name: s.name,
        temporalScheduleId: temporalScheduleId(pipeline.slug, s.name),
        paused: s.paused,
        ...data,
      },
      update: data,
    });
  }
  return { removedTemporalIds: removed.map((r) => r.temporalScheduleId) };
}

/** After a pipeline version is stored: bring its schedules to Temporal. */
export async function syncPipelineSchedules(
  deps: ScheduleDeps,
  pipelineId: string,
  removedTemporalIds: string[] = [],
): Promise<void> {
  for (const id of removedTemporalIds) await removeTemporalSchedule(deps, id);
  for (const row of await deps.db.schedule.findMany({ where: { pipelineId } })) await applySchedule(deps, row);
}

async function scheduleById(db: Db, id: string) {
  const row = await db.schedule.findUnique({ where: { id } });
  if (!row) throw AppError.notFound(`schedule ${id}`);
  return row;
}

export async function setSchedulePaused(deps: ScheduleDeps, id: string, paused: boolean, note = ''): Promise<void> {
  await scheduleById(deps.db, id);
  const row = await deps.db.schedule.update({ where: { id }, data: { paused, note } });
  await applySchedule(deps, row);
}

export async function triggerSchedule(deps: ScheduleDeps, id: string): Promise<void> {
  const row = await scheduleById(deps.db, id);
  // with the schedule's own overlap policy: a manual fire is tracked like any other, so "one active run" holds
  await (await deps.temporal()).schedule.getHandle(row.temporalScheduleId).trigger(toTemporalOverlap(row.overlap));
}

const date = z.coerce
  .date()
  .min(MIN_DATE, 'must be a date from 1970 to 9999')
  .max(MAX_DATE, 'must be a date from 1970 to 9999');

export const backfillInput = z
  .object({
    id: z.string().min(1).max(100),
    start: date,
    end: date,
    /** buffer_all (default): every slot runs, one after another, in order. */
    overlap: z.enum(OVERLAP_POLICIES).default('buffer_all'),
  })
  .refine((b) => b.end > b.start, { path: ['end'], message: 'must be after start' })
  .refine((b) => b.end.getTime() - b.start.getTime() <= MAX_BACKFILL_SPAN_MS, {
    path: ['end'],
    message: `must be at most ${MAX_BACKFILL_SPAN_MS / 86_400_000} days after start (MAX_BACKFILL_SPAN_MS): split it`,
  });

export async function backfillSchedule(deps: ScheduleDeps, input: z.input<typeof backfillInput>): Promise<void> {
  const { id, start, end, overlap } = backfillInput.parse(input);
  const row = await scheduleById(deps.db, id);
  const tooMany = backfillSlotsProblem(countScheduleSlots(row, start, end));
  if (tooMany) throw AppError.badRequest('The backfill is too large', [{ path: ['end'], message: tooMany }]);
  await (await deps.temporal()).schedule
    .getHandle(row.temporalScheduleId)
    .backfill({ start, end, overlap: toTemporalOverlap(overlap) });
}
