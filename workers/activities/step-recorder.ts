// Writes step attempts to Postgres from inside the worker as they start, retry and finish: the portal reads
// these rows, never workflow histories, and recording costs no extra Temporal round trip.
import type { Db } from '~/server/db';
import type { StepStatus } from '~/server/generated/prisma/enums';

export interface AttemptKey {
  runId: string;
  itemKey: string;
  stepId: string;
  attempt: number;
}

export function createStepRecorder(db: Db) {
  return {
    async started(key: AttemptKey, queue: string, worker: string): Promise<void> {
      const now = new Date();
      await db.$transaction([
        // an attempt still "running" when a later one starts lost its worker
        db.stepRun.updateMany({
          where: { runId: key.runId, itemKey: key.itemKey, stepId: key.stepId, attempt: { lt: key.attempt }, status: 'running' },
          data: { status: 'lost', endedAt: now, error: 'the worker running this attempt stopped responding' },
        }),
        db.stepRun.upsert({
          where: { runId_itemKey_stepId_attempt: key },
          create: { ...key, queue, worker, status: 'running', startedAt: now },
          update: { queue, worker, status: 'running', startedAt: now, endedAt: null, error: null },
        }),
        ...(key.itemKey
          ? [db.itemRun.updateMany({ where: { runId: key.runId, key: key.itemKey, status: 'pending' }, data: { status: 'running', startedAt: now } })]
          : []),
      ]);
    },

    async finished(key: AttemptKey, outcome: { status: StepStatus; error?: string; log: string; logTruncated: boolean }): Promise<void> {
      await db.stepRun.update({
        where: { runId_itemKey_stepId_attempt: key },
        data: { status: outcome.status, error: outcome.error ?? null, log: outcome.log, logTruncated: outcome.logTruncated, endedAt: new Date() },
      });
    },
  };
}
export type StepRecorder = ReturnType<typeof createStepRecorder>;
