import { defineConfig } from 'prisma/config';

// Used by the standard Prisma CLI (where its engines can be downloaded); offline, scripts/migrate.ts does the same
// work.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/brewline' },
});
