// The one Prisma client of a process (pg driver adapter).
import { PrismaPg } from '@prisma/adapter-pg';
import type { ItemStatus, RunStatus, StepStatus } from '~/common/statuses';
import type * as SchemaEnums from '~/server/generated/prisma/enums';
import { PrismaClient } from '~/server/generated/prisma/client';
import { config } from './env';

export type Db = PrismaClient;
export { Prisma } from '~/server/generated/prisma/client';

export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}

const globalForDb = globalThis as unknown as { brewlineDb?: Db };
/** Lazily created so that importing this module never needs a database (builds, unit tests). */
export function db(): Db {
  globalForDb.brewlineDb ??= createDb(config().databaseUrl);
  return globalForDb.brewlineDb;
}

// The schema's enums store the statuses; common/statuses.ts lists them for everyone else. Compiles only while the
// two agree, member for member.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _StatusesMatchTheSchema = Assert<
  Same<[RunStatus, ItemStatus, StepStatus], [SchemaEnums.RunStatus, SchemaEnums.ItemStatus, SchemaEnums.StepStatus]>
>;
