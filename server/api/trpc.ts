// The only initTRPC: context, procedures by role, and the error formatter (no stack traces to clients).
import { randomUUID } from 'node:crypto';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { MAX_BATCH_CALLS, MAX_DATE, MAX_INPUT_DEPTH, MIN_DATE } from '~/common/limits';
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

const errorIds = new WeakMap<Error, string>();
/** The id an unexpected error is known by: in the client's message and in the server's log (route handler). */
export function errorId(error: Error): string {
  let id = errorIds.get(error);
  if (!id) {
    id = randomUUID();
    errorIds.set(error, id);
  }
  return id;
}

/** What tRPC itself says of a batch larger than maxBatchSize (without the limit), and what we say instead. */
export const TRPC_BATCH_TOO_LARGE = 'Batch call exceeds maximum size';
const BATCH_TOO_LARGE = `A batch may hold at most ${MAX_BATCH_CALLS} calls (MAX_BATCH_CALLS)`;

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
    // an unexpected error's message may be a database's or a library's: the client gets an id to quote instead
    const message =
      error.code === 'INTERNAL_SERVER_ERROR'
        ? `Internal error (id ${errorId(error)})`
        : error.code === 'BAD_REQUEST' && error.message === TRPC_BATCH_TOO_LARGE
          ? BATCH_TOO_LARGE
          : shape.message;
    return { ...shape, message, data: { ...data, fields } };
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

/** Why an input cannot reach the database, with where: a NUL character (Postgres text refuses it), nesting
 * deeper than MAX_INPUT_DEPTH, or a date outside 1970 to 9999. Walked without recursion. */
export function inputProblem(input: unknown): { path: (string | number)[]; message: string } | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { path, message: 'must not contain the NUL character' };
    } else if (value instanceof Date) {
      if (!(value >= MIN_DATE && value <= MAX_DATE)) return { path, message: 'must be a date from 1970 to 9999' };
    } else if (value && typeof value === 'object') {
      if (path.length >= MAX_INPUT_DEPTH)
        return { path, message: `nests deeper than ${MAX_INPUT_DEPTH} levels (MAX_INPUT_DEPTH)` };
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : value instanceof Map || value instanceof Set
          ? [...value.entries()].map(([k, v], i) => [i, [k, v]])
          : Object.entries(value);
      for (const [key, child] of entries) {
        if (typeof key === 'string' && key.includes('\u0000'))
          return { path: [...path, key], message: 'must not contain the NUL character' };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return null;
}

const saneInput = t.middleware(async ({ getRawInput, next }) => {
  const problem = inputProblem(await getRawInput());
  if (problem) throw AppError.badRequest('The input is invalid', [problem]);
  return next();
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors).use(saneInput).use(sameSiteMutations);

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
