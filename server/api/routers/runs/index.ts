import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { getRunDetail, listRuns } from '~/server/presenters/runs';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { listRunsInput, runIdInput, triggerRunInput } from './schemas';

export const runsRouter = createTRPCRouter({
  list: authorized('runs', 'viewer').input(listRunsInput).query(({ ctx, input }) => listRuns(ctx.db, input)),
  get: authorized('runs', 'viewer').input(runIdInput).query(({ ctx, input }) => getRunDetail(ctx.db, input.runId, ctx.config.temporal)),
  trigger: authorized('runs', 'editor')
    .input(triggerRunInput)
    .mutation(({ ctx, input }) => triggerRun({ db: ctx.db, temporal: ctx.temporal, config: ctx.config }, { ...input, trigger: 'manual' })),
});
