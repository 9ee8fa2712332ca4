import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { SESSION_COOKIE } from '~/server/auth/actor';
import { clientAddress } from '~/server/auth/request-origin';
import { cookie } from '~/server/auth/resolve-actor';
import { createTRPCRouter, protectedProcedure, publicProcedure } from '~/server/api/trpc';
import {
  changeOwnPassword,
  changePasswordInput,
  SESSION_TTL_MS,
  signIn,
  signOut,
} from '~/server/services/auth/sessions';

/** `secure` (BREWLINE_SECURE_COOKIES): the browser sends the cookie over HTTPS only. */
const sessionCookie = (value: string, maxAgeS: number, secure: boolean) =>
  `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}` +
  (secure ? '; Secure' : '');

export const authRouter = createTRPCRouter({
  /** Every call counts as an attempt, batched or not; past the limits it is TOO_MANY_REQUESTS (429). */
  signIn: publicProcedure
    .input(z.object({ email: z.string().min(1).max(200), password: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { cookie } = await signIn(
        { db: ctx.db, limits: ctx.config.signInLimits, dataDir: ctx.config.dataDir },
        { ...input, address: ctx.headers ? clientAddress(ctx.headers) : null },
      );
      ctx.resHeaders?.append('set-cookie', sessionCookie(cookie, SESSION_TTL_MS / 1000, ctx.config.secureCookies));
      return { ok: true };
    }),
  signOut: protectedProcedure.mutation(async ({ ctx }) => {
    const session = ctx.headers && cookie(ctx.headers, SESSION_COOKIE);
    if (session) await signOut(ctx.db, session);
    ctx.resHeaders?.append('set-cookie', sessionCookie('', 0, ctx.config.secureCookies));
    return { ok: true };
  }),
  /** The signed-in person's own password; their other sessions end. */
  changePassword: protectedProcedure.input(changePasswordInput).mutation(({ ctx, input }) => {
    if (ctx.actor.kind !== 'user')
      throw new TRPCError({ code: 'FORBIDDEN', message: 'An API token has no password: sign in to the portal' });
    return changeOwnPassword(
      { db: ctx.db, limits: ctx.config.signInLimits },
      {
        userId: ctx.actor.id,
        keep: (ctx.headers && cookie(ctx.headers, SESSION_COOKIE)) || null,
        address: ctx.headers ? clientAddress(ctx.headers) : null,
      },
      input,
    );
  }),
  me: publicProcedure.query(({ ctx }) => {
    if (!ctx.actor) return null;
    const admin = ctx.actor.role === 'admin';
    // what an admin must know about how this deployment runs (the portal's configuration, shared by `npm start`)
    const warnings =
      admin && ctx.config.sandbox === 'off'
        ? ['BREWLINE_SANDBOX=off: step programs run unsandboxed, as the worker, and can read what it can.']
        : [];
    return { name: ctx.actor.name, role: ctx.actor.role, kind: ctx.actor.kind, warnings };
  }),
});
