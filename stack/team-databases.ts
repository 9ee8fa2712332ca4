// A team's own database on the embedded Postgres server (the one-machine default; a deployment gives a team a
// database elsewhere and stores its connection through the portal or the API). The team gets a role with its own
// password, a database that role owns and only it may connect to, and one pg_hba line admitting that role to that
// database from this machine's own addresses: step sandboxes reach the server there, never through loopback.
// Brewline's own role keeps to loopback. The connection is stored encrypted, like any other (secrets service).
import { randomBytes } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import pg from 'pg';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { createSecret, rotateSecret, updateSecret } from '~/server/services/secrets/secrets';

export interface PostgresConnectionValues {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode: 'disable';
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The machine's first non-loopback IPv4 address: where its sandboxed steps reach its own servers. */
export function machineAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/**
 * Creates the team's role (or gives it a new password) and its database, through the server's admin URL (the
 * embedded DATABASE_URL); the server must run on this machine (its pg_hba.conf is edited). Returns the values of
 * the team's connection.
 */
export async function createTeamDatabase(
  adminUrl: string,
  team: { database: string; role: string },
): Promise<PostgresConnectionValues> {
  for (const name of [team.database, team.role])
    if (!NAME.test(name)) throw new Error(`"${name}" must be lower-case letters, digits and _, starting with a letter`);
  const host = machineAddress() ?? '127.0.0.1';
  const password = randomBytes(24).toString('base64url');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(hashtext('brewline-team-databases'))");
    const role = admin.escapeIdentifier(team.role);
    const database = admin.escapeIdentifier(team.database);
    const existing = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [
      team.role,
    ]);
    // never the platform's own role or database (a superuser, or the admin URL's database)
    if (existing.rows[0]?.rolsuper || team.database === new URL(adminUrl).pathname.slice(1))
      throw new Error(
        `"${team.role}" / "${team.database}" is Brewline's own: a team needs a role and database of its own`,
      );
    const roleExists = existing.rowCount;
    await admin.query(
      `${roleExists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE ` +
        `PASSWORD ${admin.escapeLiteral(password)}`,
    );
    if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [team.database])).rowCount)
      await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    await admin.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    const hbaFile = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    const line = `host ${database} ${role} samehost scram-sha-256`;
    const hba = await readFile(hbaFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`a team database needs the Postgres server on this machine: ${hbaFile}: ${err.code}`);
    });
    if (!hba.split('\n').includes(line)) {
      await appendFile(hbaFile, `${hba.endsWith('\n') ? '' : '\n'}${line}\n`);
      await admin.query('SELECT pg_reload_conf()');
    }
  } finally {
    await admin.end();
  }
  const values: PostgresConnectionValues = {
    host,
    port: Number(new URL(adminUrl).port || 5432),
    database: team.database,
    user: team.role,
    password,
    sslmode: 'disable',
  };
  await waitForLogin(values);
  return values;
}

/** The server reloads its pg_hba.conf a moment after it is asked to. */
async function waitForLogin(values: PostgresConnectionValues): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ ...values, ssl: false });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (attempt >= 50 || !/pg_hba\.conf/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Stores a postgres connection, or brings a stored one to these values (its password rotated). */
export async function saveConnection(
  deps: { db: Db; secretKey: Buffer; actor?: string },
  name: string,
  values: PostgresConnectionValues,
  description: string,
): Promise<'created' | 'updated'> {
  const secrets = {
    db: deps.db,
    config: { secretKey: deps.secretKey },
    actor: { id: 'setup', name: deps.actor ?? 'setup' },
  };
  const { password, ...plain } = values;
  try {
    await createSecret(secrets, { name, type: 'postgres', description, values: { ...values } });
    return 'created';
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
  }
  await updateSecret(secrets, { name, description, values: plain });
  await rotateSecret(secrets, { name, values: { password } });
  return 'updated';
}
