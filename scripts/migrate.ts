// npm run db:migrate (deploy) | db:migrate:dev -- <name> | db:status. Uses DATABASE_URL, or the embedded database.
import { deployMigrations, developMigration, migrationStatus } from '../stack/migrate';
import { withDatabase } from './stack-helpers';

const [command = 'deploy', name = 'migration'] = process.argv.slice(2);

await withDatabase(async (url) => {
  if (command === 'deploy') {
    const applied = await deployMigrations(url);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } else if (command === 'dev') {
    const { created, applied } = await developMigration(url, name);
    console.log(
      created ? `Created prisma/migrations/${created}/migration.sql` : 'No schema changes: no migration created.',
    );
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } else if (command === 'status') {
    console.log(JSON.stringify(await migrationStatus(url), null, 2));
  } else {
    throw new Error(`unknown command "${command}": use deploy, dev <name> or status`);
  }
});
// the engine's pool would otherwise idle for seconds
process.exit(0);
