// Readiness of a process (the portal, a worker): can it reach its database and Temporal? What /readyz answers.
import type { Client } from '@temporalio/client';
import type { Db } from '~/server/db';

export type Dependency = 'database' | 'temporal';
export type Check = 'ok' | 'unreachable' | 'timed out';

export interface Readiness {
  ready: boolean;
  /** Per dependency; the body of /readyz. The cause of a failure goes to the log, not to an unauthenticated probe. */
  checks: Record<Dependency, Check>;
}

export type ReadinessProbes = Record<Dependency, () => Promise<unknown>>;

/** A query the database must answer. */
export const databaseProbe = (db: Db) => () => db.$queryRaw`SELECT 1`;

/** Temporal's frontend must answer, through the process's own client (the cheapest call it serves). */
export const temporalProbe = (client: () => Promise<Client>) => async () =>
  (await client()).workflowService.getSystemInfo({});

/** Runs the probes at once; one that takes longer than timeoutMs counts as failed (a probe must answer quickly). */
export async function readiness(
  probes: ReadinessProbes,
  opts: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<Readiness> {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const log = opts.log ?? ((line: string) => console.error(line));
  const check = async (name: Dependency, probe: () => Promise<unknown>): Promise<Check> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([probe().then(() => 'ok' as const), timedOut]);
      if (outcome !== 'ok') log(`readiness: ${name} did not answer within ${timeoutMs} ms`);
      return outcome;
    } catch (err) {
      // one line: Prisma's messages span several
      const cause = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
      log(`readiness: ${name} unreachable: ${cause}`);
      return 'unreachable';
    } finally {
      clearTimeout(timer);
    }
  };
  const [database, temporal] = await Promise.all([
    check('database', probes.database),
    check('temporal', probes.temporal),
  ]);
  return { ready: database === 'ok' && temporal === 'ok', checks: { database, temporal } };
}
