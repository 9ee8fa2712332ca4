// Registers the sample pipelines (a new version only when a spec changed) and, on an empty database, the first
// admin: BREWLINE_ADMIN_EMAIL / BREWLINE_ADMIN_PASSWORD, or a generated password printed once and kept in
// .data/admin-credentials.txt (mode 0600) until that admin first signs in, when the portal removes it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { cafeWeeklyReviews } from '~/pipelines/cafe-weekly-reviews';
import { buildCafeModels, registerCafeModels } from '~/pipelines/cafe/models';
import { setUpCafeResults } from '~/pipelines/cafe/results/setup';
import { createDb } from '~/server/db';
import { secretKeyBytes } from '~/server/env';
import { protectAdminPasswordFile, saveGeneratedAdminPassword } from '~/server/services/auth/first-admin';
import { createUser } from '~/server/services/auth/users';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { EMBEDDED } from '~/stack/embedded';
import { DATA_DIR } from '~/stack/paths';
import { readSecretKeyFile } from '~/stack/secret-key';

const db = createDb(process.env.DATABASE_URL!);
try {
  // tiny models of the real architectures, built from configs (a team registers its trained weights over them)
  await registerCafeModels(db, buildCafeModels(path.join(DATA_DIR, 'models', 'cafe')));
  if (await cafeResultsReady()) {
    for (const spec of [cafeMonthly, cafeWeeklyReviews]) {
      const v = await registerPipeline(db, spec);
      console.log(`pipeline ${v.slug}: version ${v.version}${v.created ? ' (new)' : ' (unchanged)'}`);
    }
  }
  if ((await db.user.count()) === 0) {
    const email = process.env.BREWLINE_ADMIN_EMAIL ?? 'admin@brewline.local';
    const password = process.env.BREWLINE_ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
    const admin = await createUser(db, { email, name: 'Admin', role: 'admin', password });
    if (!process.env.BREWLINE_ADMIN_PASSWORD) {
      const file = path.relative(process.cwd(), saveGeneratedAdminPassword(DATA_DIR, admin.email, password));
      console.log(`first admin: ${admin.email} / ${password}`);
      console.log(`(shown once; also in ${file}, readable by you only, until this admin first signs in)`);
    } else console.log(`first admin: ${email}`);
  } else protectAdminPasswordFile(DATA_DIR);
} finally {
  await db.$disconnect();
}

/**
 * The cafe sample's results database (its pipelines write there through the cafe-results connection): on the
 * embedded server, a database and role of the team's own are made the first time; elsewhere an admin stores the
 * connection. Its tables are brought up to date either way.
 */
async function cafeResultsReady(): Promise<boolean> {
  const url = new URL(process.env.DATABASE_URL!);
  const embedded = url.hostname === '127.0.0.1' && Number(url.port) === EMBEDDED.postgresPort;
  const secretKey = secretKeyBytes(process.env.BREWLINE_SECRET_KEY ?? readSecretKeyFile() ?? '');
  if (!secretKey) {
    console.log('cafe sample: no BREWLINE_SECRET_KEY to store its results connection with; pipelines not registered');
    return false;
  }
  try {
    const done = await setUpCafeResults({ db, secretKey, adminUrl: embedded ? url.href : undefined });
    const tables = done.applied.length ? `migrations applied: ${done.applied.join(', ')}` : 'tables up to date';
    console.log(`cafe results: ${done.connection}; ${tables}`);
    return true;
  } catch (err) {
    console.log(`cafe sample: ${(err as Error).message}; its pipelines are not registered`);
    return false;
  }
}
