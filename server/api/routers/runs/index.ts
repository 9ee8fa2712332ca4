import { INT4_MAX } from '~/common/limits';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { artifactStoreFor } from '~/server/artifacts/store';
import { listArtifacts, readArtifact } from '~/server/presenters/artifacts';
import { getRunBoard, getRunDetail, listRuns } from '~/server/presenters/runs';
import { runTimeline, stepAttempts } from '~/server/presenters/step-attempts';
import { z } from 'zod';
import { cancelRun, retryFailedItems, signalItemReady } from '~/server/services/runs/run-control';
import { runCell, runCellInput } from '~/server/services/runs/run-cell';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { listRunsInput, runIdInput, triggerRunInput } from './schemas';

export const runsRouter = createTRPCRouter({
  list: authorized('runs', 'viewer')
    .input(listRunsInput)
    .query(({ ctx, input }) => listRuns(ctx.db, input)),
  get: authorized('runs', 'viewer')
    .input(runIdInput)
    .query(({ ctx, input }) => getRunDetail(ctx.db, input.runId, ctx.config.temporal)),
  /** The run page's data, compact: every item's and cell's status as letters (see STATUS_CODES). */
  board: authorized('runs', 'viewer')
    .input(runIdInput)
    .query(({ ctx, input }) => getRunBoard(ctx.db, input.runId, ctx.config.temporal)),
  trigger: authorized('runs', 'editor')
    .input(triggerRunInput)
    .mutation(({ ctx, input }) =>
      triggerRun(ctx, { ...input, trigger: ctx.actor.kind === 'token' ? 'api' : 'manual' }),
    ),
  cancel: authorized('runs', 'editor')
    .input(runIdInput)
    .mutation(({ ctx, input }) => cancelRun(ctx, input.runId)),
  /** Exactly the failed items, each from the step it failed at. */
  retryFailed: authorized('runs', 'editor')
    .input(runIdInput)
    .mutation(({ ctx, input }) => retryFailedItems(ctx, input.runId)),
  /** A notebook cell on its own: one item step for one item, fed the stored outputs of the cells above it. */
  runCell: authorized('runs', 'editor')
    .input(runCellInput)
    .mutation(({ ctx, input }) => runCell(ctx, input, ctx.actor)),
  /** One failed item again, from the step it failed at. */
  retryItem: authorized('runs', 'editor')
    .input(runIdInput.extend({ itemKey: z.string().min(1).max(128) }))
    .mutation(({ ctx, input }) => retryFailedItems(ctx, input.runId, input.itemKey)),
  /** Every attempt of one step of one item: errors, log tail, result and files. */
  attempts: authorized('runs', 'viewer')
    .input(runIdInput.extend({ itemKey: z.string().max(128), stepId: z.string().min(1).max(63) }))
    .query(({ ctx, input }) => stepAttempts(ctx.db, input)),
  /** Items' step intervals for the timeline, a page at a time (or the named items). */
  timeline: authorized('runs', 'viewer')
    .input(
      runIdInput.extend({
        offset: z.number().int().min(0).max(INT4_MAX).default(0),
        limit: z.number().int().min(1).max(500).default(200),
        itemKeys: z.array(z.string().max(128)).max(500).optional(),
      }),
    )
    .query(({ ctx, input }) => runTimeline(ctx.db, input)),
  /** Wakes an item waiting on a sensor so that it checks now. */
  signalItem: authorized('runs', 'editor')
    .input(runIdInput.extend({ itemKey: z.string().min(1).max(128) }))
    .mutation(({ ctx, input }) => signalItemReady(ctx, input.runId, input.itemKey)),
  /** The files steps wrote, per step run (item "" for run-level steps). */
  artifacts: authorized('runs', 'viewer')
    .input(
      runIdInput.extend({
        itemKey: z.string().max(128).optional(),
        stepId: z.string().max(63).optional(),
        attempt: z.number().int().min(1).max(INT4_MAX).optional(),
      }),
    )
    .query(({ ctx, input }) => listArtifacts(ctx.db, input)),
  /** One file with its content to show: text, JSON, or an image as a data URL (up to 2 MiB). */
  artifact: authorized('runs', 'viewer')
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => readArtifact(ctx.db, artifactStoreFor(ctx.config), input.id)),
});
