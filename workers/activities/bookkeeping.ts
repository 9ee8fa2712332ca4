// Run and item bookkeeping, called by the workflows as local activities.
import { ApplicationFailure } from '@temporalio/common';
import { pipelineSpecSchema } from '~/common/pipeline-spec';
import path from 'node:path';
import { RUN_LEVEL_ITEM, type ItemRunResult } from '~/common/run-contract';
import {
  COUNTED_ITEM_STATUSES,
  UNFINISHED_ITEM_STATUSES,
  type ItemStatus,
  type TerminalRunStatus,
} from '~/common/statuses';
import type { Db } from '~/server/db';
import { storedOutputs } from '~/server/artifacts/outputs';
import { requeueRetryableItems } from '~/server/services/runs/run-lifecycle';
import type { BookkeepingActivities, RunFinish } from './contract';
import { ItemsError, readStepItems, resolveItems } from './run-items';
import { stepOutputDir } from './step-dirs';

export interface BookkeepingDeps {
  db: Db;
  dataDir: string;
  /** Relative item-file paths resolve against this directory. */
  cwd: string;
  /** Folders an items file may be in besides cwd: the admin's shared folders (BREWLINE_STEP_SHARED_DIRS). */
  sharedDirs?: string[];
}

const ERROR_MAX = 4_000;
const clip = (s: string | undefined) => (s && s.length > ERROR_MAX ? `${s.slice(0, ERROR_MAX)}…` : s);

export function createBookkeepingActivities({
  db,
  cwd,
  dataDir,
  sharedDirs = [],
}: BookkeepingDeps): BookkeepingActivities {
  const itemRoots = { workDir: cwd, dataDir: path.resolve(cwd, dataDir), shared: sharedDirs };
  async function storeItems(runId: string, load: () => Promise<string[]>) {
    let keys: string[];
    try {
      keys = await load();
    } catch (err) {
      if (err instanceof ItemsError) throw ApplicationFailure.nonRetryable(err.message, 'BadInput');
      throw err;
    }
    await db.$transaction([
      db.itemRun.createMany({ data: keys.map((key, ordinal) => ({ runId, key, ordinal })), skipDuplicates: true }),
      db.run.update({ where: { id: runId }, data: { itemsTotal: keys.length } }),
    ]);
    return { itemsTotal: keys.length };
  }
  const specOf = async (runId: string) => {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { pipelineVersion: true } });
    // a draft cell run ran a spec of its own (Run.spec), not its version's
    return { run, spec: pipelineSpecSchema.parse(run.spec ?? run.pipelineVersion.spec) };
  };

  return {
    async startRun(runId, resume) {
      if (resume)
        return { itemsTotal: await db.itemRun.count({ where: { runId, status: 'pending' } }), itemsFromStep: false };
      const { run, spec } = await specOf(runId);
      await db.run.update({
        where: { id: runId },
        data: { status: 'running', startedAt: run.startedAt ?? new Date() },
      });
      if (spec.items.source === 'step') return { itemsTotal: 0, itemsFromStep: true };
      // a retried activity must not create the items twice
      const existing = await db.itemRun.count({ where: { runId } });
      if (existing > 0) return { itemsTotal: existing, itemsFromStep: false };
      const source = spec.items;
      return {
        ...(await storeItems(runId, () => resolveItems(source, run.params as Record<string, unknown>, cwd, itemRoots))),
        itemsFromStep: false,
      };
    },

    async storeStepItems(runId) {
      const existing = await db.itemRun.count({ where: { runId } });
      if (existing > 0) return { itemsTotal: existing };
      const { spec } = await specOf(runId);
      if (spec.items.source !== 'step')
        throw ApplicationFailure.nonRetryable(`run ${runId} does not take its items from a step`, 'BadInput');
      const { step, file } = spec.items;
      return storeItems(runId, () =>
        readStepItems(path.join(stepOutputDir(dataDir, runId, RUN_LEVEL_ITEM, step), file), step),
      );
    },

    async listItemKeys(runId, fromOrdinal, limit, onlyPending) {
      const rows = await db.itemRun.findMany({
        where: { runId, ordinal: { gte: fromOrdinal }, ...(onlyPending ? { status: 'pending' as const } : {}) },
        orderBy: { ordinal: 'asc' },
        take: limit,
        select: { key: true, ordinal: true },
      });
      return { keys: rows.map((r) => r.key), nextOrdinal: rows.length ? rows.at(-1)!.ordinal + 1 : fromOrdinal };
    },

    async ordinalOf(runId, itemKey) {
      return (
        await db.itemRun.findUniqueOrThrow({ where: { runId_key: { runId, key: itemKey } }, select: { ordinal: true } })
      ).ordinal;
    },

    async requeueFailedItems(runId) {
      return db.$transaction(async (tx) => {
        const { count } = await requeueRetryableItems(tx, runId);
        // counted once even when this local activity is retried: nothing is retryable the second time
        if (count > 0)
          await tx.run.update({ where: { id: runId }, data: { retries: { increment: 1 }, itemsFailed: 0 } });
        return count;
      });
    },

    async stepHistory(runId, itemKey) {
      const rows = await db.stepRun.groupBy({ by: ['stepId'], where: { runId, itemKey }, _max: { attempt: true } });
      const { succeeded, outputs } = await storedOutputs(db, runId, itemKey);
      return { succeeded, attempts: Object.fromEntries(rows.map((r) => [r.stepId, r._max.attempt ?? 0])), outputs };
    },

    async finishItem(runId: string, result: ItemRunResult) {
      await db.$transaction(async (tx) => {
        // counted once even when this local activity is retried
        const { count } = await tx.itemRun.updateMany({
          where: { runId, key: result.itemKey, status: { notIn: [...COUNTED_ITEM_STATUSES] } },
          data: { status: result.status, error: clip(result.error) ?? null, endedAt: new Date() },
        });
        if (count === 0 || result.status === 'skipped') return;
        await tx.run.update({
          where: { id: runId },
          data:
            result.status === 'succeeded' ? { itemsSucceeded: { increment: 1 } } : { itemsFailed: { increment: 1 } },
        });
      });
    },

    async finishRun(runId: string, finish: RunFinish) {
      const now = new Date();
      return db.$transaction(async (tx) => {
        // a cancelled or failed run leaves no item looking busy
        await tx.itemRun.updateMany({
          where: { runId, status: { in: [...UNFINISHED_ITEM_STATUSES] } },
          data: { status: 'cancelled', endedAt: now },
        });
        await tx.stepRun.updateMany({
          where: { runId, status: 'running' },
          data: { status: 'cancelled', endedAt: now },
        });
        // counts come from the items themselves: right also after a retry of some of them
        const counts = await tx.itemRun.groupBy({ by: ['status'], where: { runId }, _count: { _all: true } });
        const count = (status: ItemStatus) => counts.find((c) => c.status === status)?._count._all ?? 0;
        const [succeeded, failed, total] = [
          count('succeeded'),
          count('failed'),
          counts.reduce((n, c) => n + c._count._all, 0),
        ];
        const status: TerminalRunStatus =
          finish.status === 'cancelled' || finish.status === 'failed'
            ? finish.status
            : failed === 0
              ? 'succeeded'
              : succeeded === 0
                ? 'failed'
                : 'partially_failed';
        await tx.run.update({
          where: { id: runId },
          data: {
            status,
            error: clip(finish.error) ?? null,
            endedAt: now,
            itemsTotal: total,
            itemsSucceeded: succeeded,
            itemsFailed: failed,
          },
        });
        return { status, itemsTotal: total, succeeded, failed };
      });
    },
  };
}
