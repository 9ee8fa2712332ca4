import { z } from 'zod';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { getModel, listModels } from '~/server/presenters/models';
import {
  moveAlias,
  moveAliasInput,
  registerModelVersion,
  registerModelVersionInput,
} from '~/server/services/models/models';

const read = authorized('models', 'viewer');
const write = authorized('models', 'editor');

export const modelsRouter = createTRPCRouter({
  list: read.query(({ ctx }) => listModels(ctx.db)),
  get: read
    .input(z.object({ name: z.string().min(1).max(100) }))
    .query(({ ctx, input }) => getModel(ctx.db, input.name)),
  registerVersion: write
    .input(registerModelVersionInput)
    .mutation(({ ctx, input }) => registerModelVersion(ctx.db, ctx.actor.name, input)),
  /** Promote or roll back: point an alias at a version. */
  moveAlias: write.input(moveAliasInput).mutation(({ ctx, input }) => moveAlias(ctx.db, ctx.actor.name, input)),
});
