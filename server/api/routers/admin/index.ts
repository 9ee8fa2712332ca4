import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '~/server/api/trpc';
import { createApiToken, listApiTokens, newTokenInput, revokeApiToken } from '~/server/services/auth/tokens';
import { createUser, listUsers, newUserInput } from '~/server/services/auth/users';

export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  createUser: adminProcedure.input(newUserInput).mutation(({ ctx, input }) => createUser(ctx.db, input)),
  tokens: adminProcedure.query(({ ctx }) => listApiTokens(ctx.db)),
  /** The token itself is in this answer only. */
  createToken: adminProcedure
    .input(newTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input)),
  revokeToken: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, input.id)),
});
