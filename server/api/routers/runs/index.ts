import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { artifactStoreFor } from '~/server/artifacts/store';
import { listArtifacts, readArtifact } from '~/server/presenters/artifacts';
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
  /** The files steps wrote, per step run (item "" for run-level steps). */
  artifacts: authorized('runs', 'viewer')
    .input(runIdInput.extend({ itemKey: z.string().max(128).optional(), stepId: z.string().max(63).optional(), attempt: z.number().int().min(1).optional() }))
    .query(({ ctx, input }) => listArtifacts(ctx.db, input)),
  /** One file with its content to show: text, JSON, or an image as a data URL (up to 2 MiB). */
  artifact: authorized('runs', 'viewer')
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => readArtifact(ctx.db, artifactStoreFor(ctx.config), input.id)),
});
