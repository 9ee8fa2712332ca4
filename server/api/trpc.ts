// The only initTRPC: context, procedures by role, and the error formatter (no stack traces to clients).
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { hasRole, resolveActor, type Role } from '~/server/auth/actor';
import { db } from '~/server/db';
import { config } from '~/server/env';
import { AppError, type AppErrorCode } from '~/server/errors';
import { temporal } from '~/server/temporal/client';

export function createContext(opts: { headers: Headers }) {
  return { db: db(), temporal, config: config(), actor: resolveActor(opts.headers) };
}
export type Context = ReturnType<typeof createContext>;

const CODES: Record<AppErrorCode, TRPCError['code']> = {
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  CONFLICT: 'CONFLICT',
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

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in or pass an API token' });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** Every mutation goes through one of these. */
export const roleProcedure = (role: Role) =>
  protectedProcedure.use(({ ctx, next }) => {
    if (!hasRole(ctx.actor, role)) throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${role} role` });
    return next();
  });
export const viewerProcedure = roleProcedure('viewer');
export const editorProcedure = roleProcedure('editor');
export const adminProcedure = roleProcedure('admin');
