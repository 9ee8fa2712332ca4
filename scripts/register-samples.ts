// Registers the sample pipelines (a new version only when a spec changed).
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { createDb } from '~/server/db';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';

const db = createDb(process.env.DATABASE_URL!);
try {
  for (const spec of [cafeMonthly]) {
    const v = await registerPipeline(db, spec);
    console.log(`${v.slug}: version ${v.version}${v.created ? ' (new)' : ' (unchanged)'}`);
  }
} finally {
  await db.$disconnect();
}
