import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '~/server/api/trpc';
import { createApiToken, listApiTokens, newTokenInput, revokeApiToken } from '~/server/services/auth/tokens';
import {
  endUserSessions,
  resetUserPassword,
  setDisabledInput,
  setRoleInput,
  setUserDisabled,
  setUserRole,
  userIdInput,
} from '~/server/services/auth/user-admin';
import { createUser, listUsers, newUserInput } from '~/server/services/auth/users';

// Every procedure here is an adminProcedure: admins signed in to the portal, never tokens (test/integration checks
// each one).
export const adminRouter = createTRPCRouter({
  users: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  createUser: adminProcedure.input(newUserInput).mutation(({ ctx, input }) => createUser(ctx.db, input)),
  /** Not the last active admin's: someone must stay able to administer. */
  setRole: adminProcedure.input(setRoleInput).mutation(({ ctx, input }) => setUserRole(ctx.db, input)),
  /** Disabling ends the person's sessions and stops their tokens at once; not the last active admin. */
  setDisabled: adminProcedure.input(setDisabledInput).mutation(({ ctx, input }) => setUserDisabled(ctx.db, input)),
  /** A generated password, in this answer only; the person's sessions end. */
  resetPassword: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => resetUserPassword(ctx.db, input)),
  endSessions: adminProcedure.input(userIdInput).mutation(({ ctx, input }) => endUserSessions(ctx.db, input)),
  tokens: adminProcedure.query(({ ctx }) => listApiTokens(ctx.db)),
  /** The token itself is in this answer only. */
  createToken: adminProcedure
    .input(newTokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input)),
  revokeToken: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => revokeApiToken(ctx.db, input.id)),
});
