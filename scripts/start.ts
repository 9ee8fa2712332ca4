// npm start: the embedded default stack (Postgres, Temporal dev server) unless DATABASE_URL / TEMPORAL_ADDRESS
// point elsewhere, then a CPU worker, a GPU worker and the portal. Output is prefixed per process. A worker or the
// portal that exits is restarted with a backoff (stack/supervisor.ts); Ctrl-C, one that keeps crashing, or the
// embedded Postgres or Temporal server exiting stops everything, the embedded servers last.
import { existsSync, mkdirSync } from 'node:fs';
import { EMBEDDED } from '../stack/embedded';
import { deployMigrations } from '../stack/migrate';
import { DATA_DIR } from '../stack/paths';
import { readSecretKeyFile } from '../stack/secret-key';
import { startEmbeddedPostgres, fastFromEnvironment, type RunningPostgres } from '../stack/postgres';
import { Supervisor } from '../stack/supervisor';
import { startTemporalServer, type RunningTemporalServer } from '../stack/temporal-server';

const COLOURS = { postgres: 34, temporal: 35, cpu: 32, gpu: 36, portal: 33, brewline: 37 } as const;
type Source = keyof typeof COLOURS;
const prefix = (source: Source) => `\x1b[${COLOURS[source]}m${`[${source}]`.padEnd(11)}\x1b[0m`;
const say = (source: Source, line: string) => process.stdout.write(`${prefix(source)}${line}\n`);

const supervisor = new Supervisor({
  log: (name, line) => say(name as Source, line),
  onGiveUp: (name) => {
    say('brewline', `${name} keeps crashing; stopping everything`);
    void stopAll(1);
  },
});
let pg: RunningPostgres | undefined;
let temporal: RunningTemporalServer | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('brewline', 'stopping…');
    await supervisor.stop();
    await temporal?.stop().catch(() => {});
    await pg?.stop().catch(() => {});
    say('brewline', 'stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** The workers and the portal cannot work without the servers: restarting those is left to a new npm start. */
function serverExited(source: 'postgres' | 'temporal', how: string) {
  if (stopping) return;
  say(source, `exited (${how}); the workers and the portal cannot run without it: stopping everything`);
  void stopAll(1);
}

const node = (name: Source, args: string[], env: NodeJS.ProcessEnv) =>
  supervisor.start({ name, command: process.execPath, args, env });

try {
  mkdirSync(DATA_DIR, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  // the portal and the workers need the same key: the one setup generated, unless one is given
  env.BREWLINE_SECRET_KEY ??= readSecretKeyFile();
  if (!env.BREWLINE_SECRET_KEY)
    say('brewline', 'no BREWLINE_SECRET_KEY: secrets cannot be used (npm run setup makes one)');

  if (!env.DATABASE_URL) {
    pg = await startEmbeddedPostgres({
      dir: EMBEDDED.postgresDir,
      port: EMBEDDED.postgresPort,
      database: EMBEDDED.database,
      onLog: (l) => /ERROR|FATAL|PANIC|WARNING/.test(l) && say('postgres', l),
      onExit: (how) => serverExited('postgres', how),
    });
    env.DATABASE_URL = pg.url;
    say('postgres', `embedded Postgres on 127.0.0.1:${EMBEDDED.postgresPort} (data in ${EMBEDDED.postgresDir})`);
    if (fastFromEnvironment())
      say('postgres', 'BREWLINE_PG_FAST=1: fsync is off, a power cut or OS crash can corrupt this database');
    const applied = await deployMigrations(pg.url);
    if (applied.length) say('postgres', `applied migrations: ${applied.join(', ')}`);
  } else say('postgres', 'using DATABASE_URL');

  if (!env.TEMPORAL_ADDRESS) {
    temporal = await startTemporalServer({
      port: EMBEDDED.temporalPort,
      uiPort: EMBEDDED.temporalUiPort,
      dbFile: EMBEDDED.temporalDbFile,
      onOutput: (l) => say('temporal', l),
      onExit: (how) => serverExited('temporal', how),
    });
    env.TEMPORAL_ADDRESS = temporal.address;
    env.TEMPORAL_UI_URL ??= temporal.uiUrl;
    say('temporal', `Temporal dev server on ${temporal.address}, Web UI ${temporal.uiUrl}`);
  } else
    say(
      'temporal',
      `using TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE ?? 'default'})`,
    );

  // two workers cannot share a health port: the CPU worker takes the one given, the GPU worker the next
  const healthPort = Number(env.BREWLINE_WORKER_HEALTH_PORT || 0);
  const workerEnv = (offset: number) =>
    healthPort > 0 ? { ...env, BREWLINE_WORKER_HEALTH_PORT: String(healthPort + offset) } : env;
  node('cpu', ['--import', 'tsx', 'workers/main.ts', '--queues', 'cpu'], workerEnv(0));
  node('gpu', ['--import', 'tsx', 'workers/main.ts', '--queues', 'gpu'], workerEnv(1));
  if (!existsSync('.next/BUILD_ID')) say('portal', 'no portal build found: run `npm run setup` first');
  node('portal', ['node_modules/next/dist/bin/next', 'start', '-p', String(EMBEDDED.portalPort)], env);
  say(
    'brewline',
    `portal on http://localhost:${EMBEDDED.portalPort}; a worker or the portal that exits is restarted — ` +
      'Ctrl-C stops everything',
  );
} catch (err) {
  say('brewline', `could not start: ${(err as Error).message}`);
  await stopAll(1);
}
