// The only initTRPC: context, procedures by role, and the error formatter (no stack traces to clients).
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import {
  accessDenied,
  hasRole,
  SESSION_COOKIE,
  SIGN_IN_NEEDED,
  type Actor,
  type Role,
  type Scope,
} from '~/server/auth/actor';
import { requestSource } from '~/server/auth/request-origin';
import { cookie, resolveActor } from '~/server/auth/resolve-actor';
import { db, type Db } from '~/server/db';
import { config, type AppConfig } from '~/server/env';
import { AppError, type AppErrorCode } from '~/server/errors';
import { temporal } from '~/server/temporal/client';

export interface Context {
  db: Db;
  temporal: typeof temporal;
  config: AppConfig;
  actor: Actor | null;
  /** Request and response headers (cookies); absent for server-side callers. */
  headers?: Headers;
  resHeaders?: Headers;
}

/** The context of a request; `deps` replaces the process's database and configuration (tests serving HTTP). */
export async function createContext(
  opts: { headers: Headers; resHeaders?: Headers },
  deps: Partial<Pick<Context, 'db' | 'config' | 'temporal'>> = {},
): Promise<Context> {
  const database = deps.db ?? db();
  return {
    db: database,
    temporal: deps.temporal ?? temporal,
    config: deps.config ?? config(),
    actor: await resolveActor(database, opts.headers),
    headers: opts.headers,
    resHeaders: opts.resHeaders,
  };
}

const CODES: Record<AppErrorCode, TRPCError['code']> = {
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fields =
      error.cause instanceof ZodError
        ? error.cause.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
        : error.cause instanceof AppError
          ? error.cause.fields
          : undefined;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data: { ...data, fields } };
  },
});

/** AppErrors become tRPC errors with the same code and a message safe to show. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: CODES[cause.code], message: cause.message, cause });
  }
  return result;
});

/**
 * Mutations (always POSTs) that a browser could send with the session cookie must come from the portal's own pages:
 * a form on another site cannot sign a user out or act as them. With the cookie, an Origin (or Referer) naming the
 * portal is required; without it, one naming another site is refused too (signing a visitor in to the sender's
 * account). Bearer-token calls and server-side callers (no request) are not concerned.
 */
const sameSiteMutations = t.middleware(({ ctx, type, next }) => {
  if (type !== 'mutation' || !ctx.headers || ctx.headers.has('authorization')) return next();
  const source = requestSource(ctx.headers, ctx.config.publicUrl);
  if (source === 'elsewhere' || (source === 'unknown' && cookie(ctx.headers, SESSION_COOKIE) !== undefined))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: "Refused: a change sent with the portal's cookie must come from the portal's own pages",
    });
  return next();
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors).use(sameSiteMutations);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: SIGN_IN_NEEDED });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/**
 * A procedure for callers with at least `role` and, for API tokens, the `scope` (sessions have every scope).
 * Every mutation goes through one of these.
 */
export const authorized = (scope: Scope, role: Role) =>
  protectedProcedure.use(({ ctx, next }) => {
    const denied = accessDenied(ctx.actor, scope, role);
    if (denied) throw new TRPCError(denied);
    return next();
  });

/** Admin-only procedures (users, tokens): sessions of admins only, never tokens. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== 'user' || !hasRole(ctx.actor, 'admin'))
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This needs an admin signed in' });
  return next();
});
