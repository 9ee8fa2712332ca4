import { createTRPCRouter, editorProcedure, viewerProcedure } from '~/server/api/trpc';
import { getRunDetail, listRuns } from '~/server/presenters/runs';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { listRunsInput, runIdInput, triggerRunInput } from './schemas';

export const runsRouter = createTRPCRouter({
  list: viewerProcedure.input(listRunsInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  get: viewerProcedure.input(runIdInput).query(({ ctx, input }) => getRunDetail(ctx.db, input.runId, ctx.config.temporal)),
  trigger: editorProcedure
    .input(triggerRunInput)
    .mutation(({ ctx, input }) => triggerRun({ db: ctx.db, temporal: ctx.temporal, config: ctx.config }, { ...input, trigger: 'manual' })),
});
