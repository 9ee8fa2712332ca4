import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { getRunDetail, listRuns } from '~/server/presenters/runs';
import { z } from 'zod';
import { cancelRun, retryFailedItems, signalItemReady } from '~/server/services/runs/run-control';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { listRunsInput, runIdInput, triggerRunInput } from './schemas';

export const runsRouter = createTRPCRouter({
  list: authorized('runs', 'viewer').input(listRunsInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  get: authorized('runs', 'viewer').input(runIdInput).query(({ ctx, input }) => getRunDetail(ctx.db, input.runId, ctx.config.temporal)),
  trigger: authorized('runs', 'editor')
    .input(triggerRunInput)
    .mutation(({ ctx, input }) => triggerRun(ctx, { ...input, trigger: ctx.actor.kind === 'token' ? 'api' : 'manual' })),
  cancel: authorized('runs', 'editor').input(runIdInput).mutation(({ ctx, input }) => cancelRun(ctx, input.runId)),
  /** Exactly the failed items, each from the step it failed at. */
  retryFailed: authorized('runs', 'editor').input(runIdInput).mutation(({ ctx, input }) => retryFailedItems(ctx, input.runId)),
  /** Wakes an item waiting on a sensor so that it checks now. */
  signalItem: authorized('runs', 'editor')
    .input(runIdInput.extend({ itemKey: z.string().min(1).max(128) }))
    .mutation(({ ctx, input }) => signalItemReady(ctx, input.runId, input.itemKey)),
});
