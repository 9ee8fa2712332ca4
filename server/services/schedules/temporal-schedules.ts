// Keeps Temporal Schedules in agreement with the Schedule table: the table is the record, Temporal fires.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { WORKFLOW_TYPES, type ScheduledRunInput } from '~/common/run-contract';
import { durationMs, scheduleIntervalProblem, type OverlapPolicy } from '~/common/schedule-spec';
import type { Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import type { Schedule } from '~/server/generated/prisma/client';

export const TEMPORAL_SCHEDULE_PREFIX = 'brewline-';

export interface ScheduleDeps {
  db: Db;
  temporal: () => Promise<Client>;
  config: Pick<AppConfig, 'taskQueues' | 'minScheduleIntervalS'>;
}

export function temporalScheduleId(pipelineSlug: string, name: string): string {
  return `${TEMPORAL_SCHEDULE_PREFIX}${pipelineSlug}-${name}`;
}

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};
export const toTemporalOverlap = (policy: OverlapPolicy) => OVERLAP[policy];

function desired(row: Schedule, config: ScheduleDeps['config']) {
  return {
    spec: row.cron
      ? { cronExpressions: [row.cron], timezone: row.timezone }
      : { intervals: [{ every: durationMs(row.every!) }], timezone: row.timezone },
    action: {
      type: 'startWorkflow' as const,
      workflowType: WORKFLOW_TYPES.scheduledRun,
      args: [{ scheduleId: row.id } satisfies ScheduledRunInput],
      taskQueue: config.taskQueues.cpu,
      workflowId: `schedule-${row.id}`,
    },
    policies: { overlap: OVERLAP[row.overlap], catchupWindow: durationMs(row.catchupWindow), pauseOnFailure: false },
  };
}

/** Creates or updates the Temporal Schedule of one row, including its paused state. */
export async function applySchedule(deps: ScheduleDeps, row: Schedule): Promise<void> {
  const client = await deps.temporal();
  const want = desired(row, deps.config);
  const handle = client.schedule.getHandle(row.temporalScheduleId);
  let current: Awaited<ReturnType<typeof handle.describe>>;
  try {
    current = await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create({
      scheduleId: row.temporalScheduleId,
      ...want,
      state: { paused: row.paused, note: row.note },
    } as ScheduleOptions);
    return;
  }
  await handle.update((prev) => ({ ...prev, ...want, state: { ...prev.state, note: row.note } }) as typeof prev);
  if (current.state.paused !== row.paused) await (row.paused ? handle.pause(row.note) : handle.unpause(row.note));
}

export async function removeTemporalSchedule(deps: ScheduleDeps, temporalId: string): Promise<void> {
  const client = await deps.temporal();
  await client.schedule
    .getHandle(temporalId)
    .delete()
    .catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
}

export interface ReconcileResult {
  applied: number;
  removed: string[];
  /** Schedules left out, each with why: one bad schedule must not keep the others (or a worker) from starting. */
  failed: { schedule: string; error: string }[];
}

/**
 * Makes Temporal agree with the database after a crash at any point: every row has its Temporal Schedule as
 * recorded, and Brewline schedules that no row knows are removed. A row that cannot be applied (Temporal refuses
 * it, or its interval is below the server's minimum: its Temporal Schedule is removed) is reported, not thrown.
 */
export async function reconcileSchedules(deps: ScheduleDeps): Promise<ReconcileResult> {
  const rows = await deps.db.schedule.findMany();
  const failed: ReconcileResult['failed'] = [];
  for (const row of rows) {
    try {
      const tooOften = scheduleIntervalProblem(row, deps.config.minScheduleIntervalS);
      if (tooOften) {
        await removeTemporalSchedule(deps, row.temporalScheduleId);
        failed.push({ schedule: row.temporalScheduleId, error: `every ${row.every} ${tooOften}; not scheduled` });
        continue;
      }
      await applySchedule(deps, row);
    } catch (err) {
      failed.push({ schedule: row.temporalScheduleId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const known = new Set(rows.map((r) => r.temporalScheduleId));
  const removed: string[] = [];
  const client = await deps.temporal();
  for await (const s of client.schedule.list()) {
    if (s.scheduleId.startsWith(TEMPORAL_SCHEDULE_PREFIX) && !known.has(s.scheduleId)) {
      await removeTemporalSchedule(deps, s.scheduleId);
      removed.push(s.scheduleId);
    }
  }
  return { applied: rows.length - failed.length, removed, failed };
}
