// Prepares a machine: Temporal CLI, Prisma client, database and migrations, sample pipelines, portal build.
// Idempotent: a second run only checks.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../stack/temporal-cli';
import { deployMigrations } from '../stack/migrate';
import { withDatabase } from './stack-helpers';

const step = (what: string) => console.log(`\n▸ ${what}`);

function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'generated') walk(path.join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(walk);
  return newest;
}

step('Temporal CLI');
if (process.env.TEMPORAL_ADDRESS) console.log(`TEMPORAL_ADDRESS is set (${process.env.TEMPORAL_ADDRESS}): using that server`);
else {
  const cli = await resolveTemporalCli();
  console.log(cli.kind === 'binary' ? `${cli.path} (from ${cli.source})` : 'will be downloaded by the Temporal SDK at start');
}

step('Prisma client');
execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/prisma-generate.ts'], { stdio: 'inherit' });

step(process.env.DATABASE_URL ? 'Database (DATABASE_URL)' : 'Embedded database (.data/postgres)');
await withDatabase(async (url) => {
  const applied = await deployMigrations(url);
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations up to date');
  step('Sample pipelines');
  execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/register-samples.ts'], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: url } });
});

step('Portal build');
const buildId = '.next/BUILD_ID';
const sources = ['app', 'server', 'common', 'package-lock.json', 'next.config.ts', 'postcss.config.mjs'];
if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestMtime(sources)) console.log('up to date');
else execFileSync(process.execPath, ['node_modules/next/dist/bin/next', 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });

console.log('\nReady. Start everything with: npm start');
process.exit(0);
