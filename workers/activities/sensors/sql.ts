// A SQL sensor: the query returns a row ($1 is the item key) on the postgres connection the check names, decrypted
// by the worker for the check. Never a database the worker itself is configured with.
import { ApplicationFailure } from '@temporalio/common';
import { lookup } from 'node:dns/promises';
import pg from 'pg';
import type { ConnectionType } from '~/common/secrets';
import { GrantError } from '~/server/services/secrets/grants';
import { createMasker } from '~/server/services/secrets/mask';
import { EgressRefusedError, type EgressGuard } from '~/workers/egress';
import type { SensorContext, SensorReading } from './types';

/** A connection's fields (secret ones decrypted) and its secret strings, to mask. */
export type ConnectionResolver = (
  name: string,
  types: readonly ConnectionType[],
) => Promise<{ values: Record<string, unknown>; secrets: string[] }>;

interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

export async function checkSql(
  check: { query: string; connection: string },
  ctx: SensorContext,
  deps: { connections: ConnectionResolver; egress: EgressGuard; platformDatabase?: string },
): Promise<SensorReading> {
  let connection: Awaited<ReturnType<ConnectionResolver>>;
  try {
    connection = await deps.connections(check.connection, ['postgres']);
  } catch (err) {
    if (!(err instanceof GrantError)) throw err;
    if (err.badInput) throw ApplicationFailure.nonRetryable(`${ctx.where}: ${err.message}`, 'BadInput');
    throw ApplicationFailure.retryable(`${ctx.where}: ${err.message}`, 'SecretsUnavailable');
  }
  const mask = createMasker(connection.secrets);
  const target = connection.values as unknown as PostgresConnection;
  try {
    // a platform call like any other: no internal address unless an admin allows it, and never Brewline's own database
    await deps.egress.check(`http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/`);
    if (await isPlatformDatabase(target, deps.platformDatabase))
      throw new EgressRefusedError(`connection "${check.connection}" points at Brewline's own database`);
  } catch (err) {
    if (err instanceof EgressRefusedError)
      throw ApplicationFailure.nonRetryable(`${ctx.where}: ${err.message}`, 'EgressRefused');
    throw err;
  }
  try {
    const client = await connect(target);
    try {
      // a check reads: one statement (the extended protocol refuses several), in a read-only transaction
      await client.query('BEGIN TRANSACTION READ ONLY');
      const query = {
        text: check.query,
        values: check.query.includes('$1') ? [ctx.itemKey] : [],
        // the extended protocol, even without values: a "ROLLBACK; ..." cannot end the read-only transaction
        queryMode: 'extended',
      } as pg.QueryConfig;
      const { rowCount } = await client.query(query);
      await client.query('ROLLBACK');
      return { met: (rowCount ?? 0) > 0, what: `the SQL query on ${check.connection} returning a row` };
    } finally {
      await client.end();
    }
  } catch (err) {
    mask.error(err);
    throw err;
  }
}

/** libpq's sslmode for node-postgres: "prefer" tries TLS and falls back to plain when the server has none. */
async function connect(c: PostgresConnection): Promise<pg.Client> {
  const base = { host: c.host, port: c.port, database: c.database, user: c.user, password: c.password };
  const tls = (ssl: pg.ClientConfig['ssl']) => new pg.Client({ ...base, ssl });
  const open = async (client: pg.Client) => {
    await client.connect();
    return client;
  };
  switch (c.sslmode) {
    case 'disable':
      return open(tls(false));
    case 'require':
      return open(tls({ rejectUnauthorized: false }));
    case 'verify-ca':
      return open(tls({ rejectUnauthorized: true, checkServerIdentity: () => undefined }));
    case 'verify-full':
      return open(tls({ rejectUnauthorized: true }));
    case 'prefer':
      try {
        return await open(tls({ rejectUnauthorized: false }));
      } catch (err) {
        if (!/does not support SSL/i.test((err as Error).message)) throw err;
        return open(tls(false));
      }
    default: {
      const unreachable: never = c.sslmode;
      throw new Error(`unknown sslmode ${String(unreachable)}`);
    }
  }
}

/** Whether a connection reaches the database the platform itself runs on (same addresses, port and database). */
async function isPlatformDatabase(c: PostgresConnection, platformUrl: string | undefined): Promise<boolean> {
  if (!platformUrl) return false;
  const own = new URL(platformUrl);
  const ownDatabase = decodeURIComponent(own.pathname.replace(/^\//, ''));
  if (Number(own.port || 5432) !== Number(c.port) || ownDatabase !== c.database) return false;
  const addresses = async (host: string) =>
    new Set((await lookup(host.replace(/^\[|\]$/g, ''), { all: true }).catch(() => [])).map((a) => a.address));
  const [mine, theirs] = await Promise.all([addresses(own.hostname), addresses(c.host)]);
  const loopback = (a: string) => a.startsWith('127.') || a === '::1';
  return [...theirs].some((a) => mine.has(a) || (loopback(a) && [...mine].some(loopback)));
}
