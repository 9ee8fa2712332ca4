// Registers the sample pipelines (a new version only when a spec changed) and, on an empty database, the first
// admin: BREWLINE_ADMIN_EMAIL / BREWLINE_ADMIN_PASSWORD, or a generated password printed once and kept in
// .data/admin-credentials.txt (mode 0600) until that admin first signs in, when the portal removes it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { cafeWeeklyReviews } from '~/pipelines/cafe-weekly-reviews';
import { buildCafeModels, registerCafeModels } from '~/pipelines/cafe/models';
import { createDb } from '~/server/db';
import { protectAdminPasswordFile, saveGeneratedAdminPassword } from '~/server/services/auth/first-admin';
import { createUser } from '~/server/services/auth/users';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { DATA_DIR } from '~/stack/paths';

const db = createDb(process.env.DATABASE_URL!);
try {
  // tiny models of the real architectures, built from configs (a team registers its trained weights over them)
  await registerCafeModels(db, buildCafeModels(path.join(DATA_DIR, 'models', 'cafe')));
  for (const spec of [cafeMonthly, cafeWeeklyReviews]) {
    const v = await registerPipeline(db, spec);
    console.log(`pipeline ${v.slug}: version ${v.version}${v.created ? ' (new)' : ' (unchanged)'}`);
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
