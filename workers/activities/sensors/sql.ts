// A SQL sensor: the query returns a row ($1 is the item key) on the postgres connection the check names, decrypted
// by the worker for the check. Never a database the worker itself is configured with.
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import type { ConnectionType } from '~/common/secrets';
import { GrantError } from '~/server/services/secrets/grants';
import { createMasker } from '~/server/services/secrets/mask';
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
  deps: { connections: ConnectionResolver },
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
  try {
    const client = await connect(connection.values as unknown as PostgresConnection);
    try {
      const { rowCount } = await client.query(check.query, check.query.includes('$1') ? [ctx.itemKey] : []);
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
