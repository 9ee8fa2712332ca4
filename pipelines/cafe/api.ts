// The cafe team's API, mounted by the server beside its own (server/api/teams.ts): `results.*`, what the
// recommendation backend reads. Built on the platform's procedures (sign-in, roles, token scopes, errors); it reads
// the team's results database through the cafe-results connection, decrypted on the server, never Brewline's own.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { AppRouterWith } from '~/server/api/root';
import { authorized, type Context, createTRPCRouter } from '~/server/api/trpc';
import { AppError } from '~/server/errors';
import { GrantError, resolveConnection } from '~/server/services/secrets/grants';
import { RESULTS_CONNECTION } from './results/connection';
import { changedSince, cursorPosition, dongResults, listDongs, MAX_PAGE } from './results/read';

interface PostgresValues {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

/** One pool per connection, made again when the connection's values change (an edit, a rotated password). */
const pools = new Map<string, { fingerprint: string; pool: Promise<pg.Pool> }>();

async function resultsDatabase(ctx: Pick<Context, 'db' | 'config'>): Promise<pg.Pool> {
  let values: PostgresValues;
  try {
    values = (await resolveConnection(ctx.db, ctx.config.secretKey, RESULTS_CONNECTION, ['postgres']))
      .values as unknown as PostgresValues;
  } catch (err) {
    if (err instanceof GrantError)
      throw new AppError('UNAVAILABLE', `The cafe results database is not set up: ${err.message}`, [], { cause: err });
    throw err;
  }
  const fingerprint = createHash('sha256').update(JSON.stringify(values)).digest('hex');
  const cached = pools.get(RESULTS_CONNECTION);
  if (cached?.fingerprint === fingerprint) return cached.pool;
  if (cached) void cached.pool.then((p) => p.end()).catch(() => {});
  const pool = openPool(values);
  pools.set(RESULTS_CONNECTION, { fingerprint, pool });
  pool.catch(() => pools.delete(RESULTS_CONNECTION));
  return pool;
}

/** libpq's sslmode for node-postgres: "prefer" tries TLS once and stays plain if the server has none. */
async function openPool(c: PostgresValues): Promise<pg.Pool> {
  const base = { host: c.host, port: c.port, database: c.database, user: c.user, password: c.password };
  const make = (ssl: pg.PoolConfig['ssl']) => {
    const pool = new pg.Pool({ ...base, ssl, max: 5, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
    // an idle connection the server closed is dropped, not thrown at the process
    pool.on('error', () => {});
    return pool;
  };
  switch (c.sslmode) {
    case 'disable':
      return make(false);
    case 'require':
      return make({ rejectUnauthorized: false });
    case 'verify-ca':
      return make({ rejectUnauthorized: true, checkServerIdentity: () => undefined });
    case 'verify-full':
      return make({ rejectUnauthorized: true });
    case 'prefer': {
      const tls = make({ rejectUnauthorized: false });
      try {
        (await tls.connect()).release();
        return tls;
      } catch (err) {
        await tls.end();
        if (!/does not support SSL/i.test((err as Error).message)) throw err;
        return make(false);
      }
    }
    default: {
      const unreachable: never = c.sslmode;
      throw new Error(`unknown sslmode ${String(unreachable)}`);
    }
  }
}

/** Runs a read on the results database; a database that cannot be reached is a 503 that says which. */
async function read<T>(ctx: Pick<Context, 'db' | 'config'>, query: (db: pg.Pool) => Promise<T>): Promise<T> {
  const db = await resultsDatabase(ctx).catch((err: unknown) => {
    if (err instanceof AppError) throw err;
    throw new AppError('UNAVAILABLE', 'The cafe results database cannot be reached', [], { cause: err });
  });
  return query(db);
}

const viewer = authorized('results', 'viewer');

export const resultsRouter = createTRPCRouter({
  /** The dongs with results: how many current cafes each has, and when they last changed. */
  dongs: viewer.query(({ ctx }) => read(ctx, listDongs)),
  /** A dong's current cafes with images, descriptions, review summary and embeddings. */
  dong: viewer
    .input(z.object({ dong: z.string().min(1).max(128) }))
    .query(({ ctx, input }) => read(ctx, (db) => dongResults(db, input.dong))),
  /** Cafes changed after the cursor (disappeared ones too), oldest first. */
  changedSince: viewer
    .input(
      z.object({ cursor: z.string().max(500).optional(), limit: z.number().int().min(1).max(MAX_PAGE).default(100) }),
    )
    .query(({ ctx, input }) => {
      cursorPosition(input.cursor); // a forged cursor is a 400, whether or not the database answers
      return read(ctx, (db) => changedSince(db, input));
    }),
});

/** The routers this team mounts, by the name clients call them under. */
export const routers = { results: resultsRouter };

/** The server's API with this team's routers, for typed clients (examples/recsys-backend-sync.ts). */
export type CafeAppRouter = AppRouterWith<typeof routers>;

/** Ends the results database's pools (tests, scripts that exit). */
export async function closeResultsPools(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((p) => p.pool.then((pool) => pool.end()).catch(() => {})));
}
