import { createTRPCRouter, viewerProcedure } from '~/server/api/trpc';
import { listPipelines } from '~/server/presenters/pipelines';

export const pipelinesRouter = createTRPCRouter({
  list: viewerProcedure.query(({ ctx }) => listPipelines(ctx.db)),
});
