// npm start: the embedded default stack (Postgres, Temporal dev server) unless DATABASE_URL / TEMPORAL_ADDRESS
// point elsewhere, then a CPU worker, a GPU worker and the portal. Output is prefixed per process; Ctrl-C
// stops everything, the embedded servers last.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { EMBEDDED } from '../stack/embedded';
import { deployMigrations } from '../stack/migrate';
import { DATA_DIR } from '../stack/paths';
import { readSecretKeyFile } from '../stack/secret-key';
import { startEmbeddedPostgres, type RunningPostgres } from '../stack/postgres';
import { startTemporalServer, type RunningTemporalServer } from '../stack/temporal-server';

const COLOURS = { postgres: 34, temporal: 35, cpu: 32, gpu: 36, portal: 33, brewline: 37 } as const;
type Source = keyof typeof COLOURS;
const prefix = (source: Source) => `\x1b[${COLOURS[source]}m${`[${source}]`.padEnd(11)}\x1b[0m`;
const say = (source: Source, line: string) => process.stdout.write(`${prefix(source)}${line}\n`);

const children: { name: Source; child: ChildProcess }[] = [];
let pg: RunningPostgres | undefined;
let temporal: RunningTemporalServer | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('brewline', 'stopping…');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    await temporal?.stop().catch(() => {});
    await pg?.stop().catch(() => {});
    say('brewline', 'stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function run(name: Source, args: string[], env: NodeJS.ProcessEnv) {
  // own process group: Ctrl-C reaches only this supervisor, which stops workers and portal before the servers
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const forward = (buf: Buffer) =>
    buf
      .toString()
      .split('\n')
      .filter((l) => l.trim())
      .forEach((l) => {
        say(name, l);
      });
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(name, `exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
  children.push({ name, child });
}

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
    });
    env.DATABASE_URL = pg.url;
    say('postgres', `embedded Postgres on 127.0.0.1:${EMBEDDED.postgresPort} (data in ${EMBEDDED.postgresDir})`);
    const applied = await deployMigrations(pg.url);
    if (applied.length) say('postgres', `applied migrations: ${applied.join(', ')}`);
  } else say('postgres', 'using DATABASE_URL');

  if (!env.TEMPORAL_ADDRESS) {
    temporal = await startTemporalServer({
      port: EMBEDDED.temporalPort,
      uiPort: EMBEDDED.temporalUiPort,
      dbFile: EMBEDDED.temporalDbFile,
      onOutput: (l) => say('temporal', l),
    });
    env.TEMPORAL_ADDRESS = temporal.address;
    env.TEMPORAL_UI_URL ??= temporal.uiUrl;
    say('temporal', `Temporal dev server on ${temporal.address}, Web UI ${temporal.uiUrl}`);
  } else
    say(
      'temporal',
      `using TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE ?? 'default'})`,
    );

  run('cpu', ['--import', 'tsx', 'workers/main.ts', '--queues', 'cpu'], env);
  run('gpu', ['--import', 'tsx', 'workers/main.ts', '--queues', 'gpu'], env);
  if (!existsSync('.next/BUILD_ID')) say('portal', 'no portal build found: run `npm run setup` first');
  run('portal', ['node_modules/next/dist/bin/next', 'start', '-p', String(EMBEDDED.portalPort)], env);
  say('brewline', `portal on http://localhost:${EMBEDDED.portalPort} — Ctrl-C stops everything`);
} catch (err) {
  say('brewline', `could not start: ${(err as Error).message}`);
  await stopAll(1);
}
