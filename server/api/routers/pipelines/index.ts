import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { listPipelines } from '~/server/presenters/pipelines';

export const pipelinesRouter = createTRPCRouter({
  list: authorized('pipelines', 'viewer').query(({ ctx }) => listPipelines(ctx.db)),
});
