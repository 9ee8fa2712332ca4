import { z } from 'zod';
import { SESSION_COOKIE } from '~/server/auth/actor';
import { cookie } from '~/server/auth/resolve-actor';
import { createTRPCRouter, protectedProcedure, publicProcedure } from '~/server/api/trpc';
import { SESSION_TTL_MS, signIn, signOut } from '~/server/services/auth/sessions';

/** `secure` (BREWLINE_SECURE_COOKIES): the browser sends the cookie over HTTPS only. */
const sessionCookie = (value: string, maxAgeS: number, secure: boolean) =>
  `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}` +
  (secure ? '; Secure' : '');

export const authRouter = createTRPCRouter({
  signIn: publicProcedure
    .input(z.object({ email: z.string().min(1).max(200), password: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { cookie } = await signIn(ctx.db, input.email, input.password);
      ctx.resHeaders?.append('set-cookie', sessionCookie(cookie, SESSION_TTL_MS / 1000, ctx.config.secureCookies));
      return { ok: true };
    }),
  signOut: protectedProcedure.mutation(async ({ ctx }) => {
    const session = ctx.headers && cookie(ctx.headers, SESSION_COOKIE);
    if (session) await signOut(ctx.db, session);
    ctx.resHeaders?.append('set-cookie', sessionCookie('', 0, ctx.config.secureCookies));
    return { ok: true };
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
