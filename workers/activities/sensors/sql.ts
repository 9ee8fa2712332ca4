// A SQL sensor: the query returns a row ($1 is the item key) on the database whose URL is in the variable of the
// worker's environment that the check names (databaseEnv).
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import type { Environment } from '~/workers/child-env';
import type { SensorContext, SensorReading } from './types';

export async function checkSql(
  check: { query: string; databaseEnv: string },
  ctx: SensorContext,
  deps: { environment: Environment },
): Promise<SensorReading> {
  const url = deps.environment[check.databaseEnv];
  if (!url)
    throw ApplicationFailure.nonRetryable(
      `${ctx.where}: the worker has no ${check.databaseEnv} for the SQL sensor`,
      'BadInput',
    );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query(check.query, check.query.includes('$1') ? [ctx.itemKey] : []);
    return { met: (rowCount ?? 0) > 0, what: 'the SQL query returning a row' };
  } finally {
    await client.end();
  }
}
