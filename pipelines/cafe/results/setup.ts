// The cafe results database on the embedded default (npm run setup, the tests): a database and role of the team's
// own on the embedded Postgres server, its tables migrated, and the cafe-results connection stored. Elsewhere an
// admin stores the connection to the team's database (portal: Secrets) and setup only migrates it.
import type { Db } from '~/server/db';
import { GrantError, resolveConnection } from '~/server/services/secrets/grants';
import {
  createTeamDatabase,
  machineAddress,
  type PostgresConnectionValues,
  saveConnection,
} from '~/stack/team-databases';
import { RESULTS_CONNECTION } from './connection';
import { migrateCafeResults } from './migrate';

type StoredValues = Omit<PostgresConnectionValues, 'sslmode'> & {
  sslmode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
};

export interface CafeResultsSetup {
  db: Db;
  secretKey: Buffer;
  /** The embedded server's admin URL: the results database is made there when the connection does not exist. */
  adminUrl?: string;
  /** Make the database and role even if the connection exists (a test's own database). */
  fresh?: boolean;
  database?: string;
  role?: string;
}

/** Makes the results database if need be and brings its tables up to date; says what it did. */
export async function setUpCafeResults(opts: CafeResultsSetup): Promise<{ connection: string; applied: string[] }> {
  let values: StoredValues | undefined = opts.fresh ? undefined : await storedConnection(opts);
  let connection = `${RESULTS_CONNECTION} (kept)`;
  const database = opts.database ?? 'cafe_results';
  const role = opts.role ?? 'cafe_results';
  // the connection setup made names the machine's address, which may have changed since (DHCP); one an admin
  // stored to another database is theirs
  const moved =
    opts.adminUrl !== undefined &&
    values !== undefined &&
    values.database === database &&
    values.user === role &&
    values.port === Number(new URL(opts.adminUrl).port || 5432) &&
    values.host !== (machineAddress() ?? '127.0.0.1');
  if (!values || moved) {
    if (!opts.adminUrl)
      throw new Error(
        `no "${RESULTS_CONNECTION}" connection: store one to the team's results database (portal: Secrets)`,
      );
    const made = await createTeamDatabase(opts.adminUrl, { database, role });
    const saved = await saveConnection(
      { db: opts.db, secretKey: opts.secretKey },
      RESULTS_CONNECTION,
      made,
      "The cafe team's results database (pipelines/cafe/results)",
    );
    connection = `${RESULTS_CONNECTION} (${saved}: ${made.user}@${made.host}:${made.port}/${made.database})`;
    values = made;
  }
  const { sslmode, ...target } = values;
  const ssl = sslmode === 'disable' || sslmode === 'prefer' ? false : { rejectUnauthorized: sslmode !== 'require' };
  const applied = await migrateCafeResults({ ...target, ssl });
  return { connection, applied };
}

/** The stored connection's values, or undefined when there is none. */
async function storedConnection(opts: CafeResultsSetup): Promise<StoredValues | undefined> {
  try {
    return (await resolveConnection(opts.db, opts.secretKey, RESULTS_CONNECTION, ['postgres']))
      .values as unknown as StoredValues;
  } catch (err) {
    if (err instanceof GrantError && /no secret or connection named/.test(err.message)) return undefined;
    throw err;
  }
}
