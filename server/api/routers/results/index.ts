import { z } from 'zod';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { changedSince, dongResults, listDongs, MAX_PAGE } from '~/server/presenters/results';

const read = authorized('results', 'viewer');

export const resultsRouter = createTRPCRouter({
  dongs: read.query(({ ctx }) => listDongs(ctx.db)),
  dong: read
    .input(z.object({ dong: z.string().min(1).max(128) }))
    .query(({ ctx, input }) => dongResults(ctx.db, input.dong)),
  changedSince: read
    .input(
      z.object({ cursor: z.string().max(500).optional(), limit: z.number().int().min(1).max(MAX_PAGE).default(100) }),
    )
    .query(({ ctx, input }) => changedSince(ctx.db, input)),
});
