// The activity behind scheduled runs: records the run a schedule fired.
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { AppError } from '~/server/errors';
import { prepareRun } from '~/server/services/runs/trigger-run';
import type { ScheduleActivities } from './contract';

export function createScheduleActivities(deps: {
  db: Db;
  config: Pick<AppConfig, 'taskQueues' | 'itemsPerExecution' | 'stepSharedDirs'>;
}): ScheduleActivities {
  return {
    async prepareScheduledRun({ scheduleId, runId, scheduledFor }) {
      const schedule = await deps.db.schedule.findUnique({ where: { id: scheduleId }, include: { pipeline: true } });
      if (!schedule) throw ApplicationFailure.nonRetryable(`schedule ${scheduleId} no longer exists`, 'BadInput');
      try {
        return await prepareRun(deps, {
          pipelineSlug: schedule.pipeline.slug,
          params: schedule.params as Record<string, unknown>,
          trigger: 'schedule',
          runId,
          scheduleId,
          scheduledFor: new Date(scheduledFor),
        });
      } catch (err) {
        if (err instanceof AppError && (err.code === 'BAD_REQUEST' || err.code === 'NOT_FOUND'))
          throw ApplicationFailure.nonRetryable(
            `schedule ${schedule.pipeline.slug}/${schedule.name}: ${err.message}`,
            'BadInput',
          );
        throw err;
      }
    },
  };
}
