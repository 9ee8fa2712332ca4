// Schedules across pipelines, with Temporal's next fire times and recent fires.
import type { Client } from '@temporalio/client';
import type { Db } from '~/server/db';

export async function listSchedules(db: Db, temporal: () => Promise<Client>, filter: { pipelineSlug?: string } = {}) {
  const rows = await db.schedule.findMany({
    where: filter.pipelineSlug ? { pipeline: { slug: filter.pipelineSlug } } : {},
    orderBy: [{ pipeline: { slug: 'asc' } }, { name: 'asc' }],
    include: { pipeline: { select: { slug: true, name: true } } },
  });
  const client = await temporal();
  return Promise.all(
    rows.map(async (row) => {
      const described = await client.schedule
        .getHandle(row.temporalScheduleId)
        .describe()
        .catch(() => null);
      return {
        id: row.id,
        pipeline: row.pipeline,
        name: row.name,
        cron: row.cron,
        every: row.every,
        timezone: row.timezone,
        overlap: row.overlap,
        catchupWindow: row.catchupWindow,
        paused: row.paused,
        note: row.note,
        /** false when Temporal does not have it yet (reconciliation will create it) */
        inTemporal: described !== null,
        nextFireTimes: described?.info.nextActionTimes.slice(0, 5) ?? [],
        recentFires:
          described?.info.recentActions.slice(-10).map((a) => ({ scheduledAt: a.scheduledAt, takenAt: a.takenAt })) ??
          [],
      };
    }),
  );
}
