// Prepares a machine: Temporal CLI, the runners' Python environment, Prisma client, database and migrations,
// sample pipelines and models, portal build.
// Idempotent: a second run only checks.
import { execFileSync } from 'node:child_process';
import { resolveTemporalCli } from '../stack/temporal-cli';
import { deployMigrations } from '../stack/migrate';
import { ensureSecretKeyFile } from '../stack/secret-key';
import { buildPortalIfStale } from './build-portal';
import { ensureUv } from '../stack/uv';
import { ensurePythonEnv } from './python-env';
import { withDatabase } from './stack-helpers';

const step = (what: string) => console.log(`\n▸ ${what}`);

step('Temporal CLI');
if (process.env.TEMPORAL_ADDRESS)
  console.log(`TEMPORAL_ADDRESS is set (${process.env.TEMPORAL_ADDRESS}): using that server`);
else {
  const cli = await resolveTemporalCli();
  console.log(
    cli.kind === 'binary' ? `${cli.path} (from ${cli.source})` : 'will be downloaded by the Temporal SDK at start',
  );
}

step('Python environment of the model runners (.venv)');
console.log(ensurePythonEnv());
console.log(`uv: ${ensureUv()}`);

step('The key secrets are encrypted under (BREWLINE_SECRET_KEY)');
console.log(ensureSecretKeyFile());

step('Prisma client');
execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/prisma-generate.ts'], { stdio: 'inherit' });

step(process.env.DATABASE_URL ? 'Database (DATABASE_URL)' : 'Embedded database (.data/postgres)');
await withDatabase(async (url) => {
  const applied = await deployMigrations(url);
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations up to date');
  step('Sample pipelines and the first admin');
  execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/seed.ts'], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: url },
  });
});

step('Portal build');
buildPortalIfStale();

console.log('\nReady. Start everything with: npm start');
process.exit(0);
