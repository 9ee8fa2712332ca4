// The cafe sample's results database for one test file, made as `npm run setup` makes it: a database and role of
// its own on the suite's Postgres (never Brewline's role), its tables migrated, and the cafe-results connection
// stored under the file's secret key. The connection is removed again at the end, so that no later file meets a
// secret it cannot decrypt (files run one by one, each with its own key).
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Actor } from '~/server/auth/actor';
import { appRouter } from '~/server/api/root';
import { createCallerFactory } from '~/server/api/trpc';
import { resolveConnection } from '~/server/services/secrets/grants';
import { type CafeAppRouter, closeResultsPools } from '~/pipelines/cafe/api';
import { RESULTS_CONNECTION } from '~/pipelines/cafe/results/connection';
import { setUpCafeResults } from '~/pipelines/cafe/results/setup';
import type { TestContext } from './stack';

/** The secret key a cafe test file's context needs (its workers decrypt the connection with it). */
export const cafeSecretKey = () => ({ BREWLINE_SECRET_KEY: randomBytes(32).toString('base64') });

// the server mounts the team's routers at run time (server/api/teams.ts); its type names the platform's only
const cafeCaller = createCallerFactory(appRouter as unknown as CafeAppRouter);

export interface CafeResults {
  /** The results database, as the team's role sees it. */
  pool: pg.Pool;
  database: string;
  /** The API with the cafe team's routers, as `actor` (the server mounts them: server/api/teams.ts). */
  api(actor: Actor): ReturnType<typeof cafeCaller>;
  close(): Promise<void>;
}

export async function cafeResults(t: TestContext): Promise<CafeResults> {
  if (!t.config.secretKey) throw new Error('a cafe test needs BREWLINE_SECRET_KEY: testContext(cafeSecretKey())');
  await t.db.secret.deleteMany({ where: { name: RESULTS_CONNECTION } });
  const database = `cafe_results_${randomUUID().slice(0, 8)}`;
  await setUpCafeResults({
    db: t.db,
    secretKey: t.config.secretKey,
    adminUrl: t.config.databaseUrl,
    fresh: true,
    database,
    role: database,
  });
  const { values } = await resolveConnection(t.db, t.config.secretKey, RESULTS_CONNECTION, ['postgres']);
  const pool = new pg.Pool({ ...(values as pg.PoolConfig), ssl: false, max: 3 });
  return {
    pool,
    database,
    api: (actor) => cafeCaller({ db: t.db, temporal: t.temporal, config: t.config, actor }),
    async close() {
      await pool.end();
      await closeResultsPools();
      await t.db.secret.deleteMany({ where: { name: RESULTS_CONNECTION } });
    },
  };
}
