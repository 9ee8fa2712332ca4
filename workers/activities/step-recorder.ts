// Writes step attempts to Postgres from inside the worker as they start, retry and finish: the portal reads
// these rows, never workflow histories, and recording costs no extra Temporal round trip.
// One SQL statement per event: this runs on every step of every item, so it stays off Prisma's query builder.
import { randomUUID } from 'node:crypto';
import type { ItemStatus, StepStatus } from '~/common/statuses';
import { Prisma, type Db } from '~/server/db';

export interface AttemptKey {
  runId: string;
  itemKey: string;
  stepId: string;
  attempt: number;
}

const LOST = 'the worker running this attempt stopped responding';

// status literals written into the statements (constants, not parameters), checked against the status lists
const stepStatus = (status: StepStatus) => Prisma.raw(`'${status}'`);
const itemStatus = (status: ItemStatus) => Prisma.raw(`'${status}'`);

export function createStepRecorder(db: Db) {
  return {
    /** Records the attempt as running; an earlier attempt still "running" lost its worker; the item is now running. */
    async started(key: AttemptKey, queue: string, worker: string): Promise<void> {
      const now = new Date();
      await db.$executeRaw`
        WITH lost AS (
          UPDATE "StepRun" SET status = ${stepStatus('lost')}, "endedAt" = ${now}, error = ${LOST}
          WHERE "runId" = ${key.runId} AND "itemKey" = ${key.itemKey} AND "stepId" = ${key.stepId}
            AND attempt < ${key.attempt} AND status = ${stepStatus('running')}
        ), item AS (
          UPDATE "ItemRun" SET status = ${itemStatus('running')}, "startedAt" = ${now}
          WHERE "runId" = ${key.runId} AND key = ${key.itemKey} AND status = ${itemStatus('pending')}
        )
        INSERT INTO "StepRun" (id, "runId", "itemKey", "stepId", attempt, queue, worker, status, "startedAt")
        VALUES (${randomUUID()}, ${key.runId}, ${key.itemKey}, ${key.stepId}, ${key.attempt}, ${queue}, ${worker},
          ${stepStatus('running')}, ${now})
        ON CONFLICT ("runId", "itemKey", "stepId", attempt) DO UPDATE
          SET queue = EXCLUDED.queue, worker = EXCLUDED.worker, status = ${stepStatus('running')},
              "startedAt" = EXCLUDED."startedAt", "endedAt" = NULL, error = NULL`;
    },

    /** A sensor still waiting: no slot is held between checks; the row says when it last looked. */
    async waiting(key: AttemptKey, queue: string, worker: string, log: string): Promise<void> {
      const now = new Date();
      await db.$executeRaw`
        WITH item AS (
          UPDATE "ItemRun" SET status = ${itemStatus('running')}, "startedAt" = ${now}
          WHERE "runId" = ${key.runId} AND key = ${key.itemKey} AND status = ${itemStatus('pending')}
        )
        INSERT INTO "StepRun" (id, "runId", "itemKey", "stepId", attempt, queue, worker, status, "startedAt", log)
        VALUES (${randomUUID()}, ${key.runId}, ${key.itemKey}, ${key.stepId}, ${key.attempt}, ${queue}, ${worker},
          ${stepStatus('waiting')}, ${now}, ${log})
        ON CONFLICT ("runId", "itemKey", "stepId", attempt) DO UPDATE
          SET status = ${stepStatus('waiting')}, log = EXCLUDED.log, worker = EXCLUDED.worker`;
    },

    async finished(
      key: AttemptKey,
      outcome: {
        status: StepStatus;
        error?: string;
        log: string;
        logTruncated: boolean;
        result?: unknown;
        /** A code cell's displays (left as they are when absent). */
        displays?: unknown[];
        endedAt?: Date;
      },
    ): Promise<void> {
      const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
      const displays = outcome.displays === undefined ? null : JSON.stringify(outcome.displays);
      await db.$executeRaw`
        UPDATE "StepRun"
        SET status = ${outcome.status}::"StepStatus", error = ${outcome.error ?? null}, log = ${outcome.log},
            "logTruncated" = ${outcome.logTruncated}, "endedAt" = ${outcome.endedAt ?? new Date()},\
 result = ${result}::jsonb, displays = COALESCE(${displays}::jsonb, displays)
        WHERE "runId" = ${key.runId} AND "itemKey" = ${key.itemKey} AND "stepId" = ${key.stepId} AND\
 attempt = ${key.attempt}`;
    },

    /** A running code cell's output so far (log and displays), for the notebook to show as it comes. */
    async progress(key: AttemptKey, output: { log: string; displays: unknown[] }): Promise<void> {
      await db.$executeRaw`
        UPDATE "StepRun" SET log = ${output.log}, displays = ${JSON.stringify(output.displays)}::jsonb
        WHERE "runId" = ${key.runId} AND "itemKey" = ${key.itemKey} AND "stepId" = ${key.stepId}
          AND attempt = ${key.attempt} AND status = ${stepStatus('running')}`;
    },

    /** The metrics a code cell logged. */
    async metrics(key: AttemptKey, metrics: { name: string; value: number; step?: number }[]): Promise<void> {
      if (!metrics.length) return;
      await db.stepMetric.createMany({
        data: metrics.map((m) => ({ ...key, name: m.name, value: m.value, step: m.step ?? null })),
      });
    },
  };
}
