// Worker process entry: `tsx workers/main.ts --queues cpu,gpu`. Ctrl-C / SIGTERM drain and stop it.
import { QUEUES, type QueueName } from '~/common/queues';
import { createDb } from '~/server/db';
import { loadConfig } from '~/server/env';
import { reconcileSchedules } from '~/server/services/schedules/temporal-schedules';
import { createTemporalClient } from '~/server/temporal/client';
import { loadWorkflowBundle } from './workflow-bundle';
import { createWorkers } from './worker';

/** The queues named by --queues, else those of BREWLINE_WORKER_QUEUES (validated with the configuration). */
function queuesFromArgs(configured: QueueName[]): QueueName[] {
  const i = process.argv.indexOf('--queues');
  if (i < 0) return configured;
  const queues = (process.argv[i + 1] ?? '')
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  for (const q of queues)
    if (!QUEUES.includes(q as QueueName))
      throw new Error(`--queues: unknown queue "${q}" (known: ${QUEUES.join(', ')})`);
  return queues as QueueName[];
}

const config = loadConfig();
const queues = queuesFromArgs(config.workerQueues);
const db = createDb(config.databaseUrl, 20);
if (queues.includes('cpu')) {
  // the database is the record of schedules; make Temporal agree with it (after a crash at any point)
  const client = createTemporalClient(config.temporal);
  const { applied, removed, failed } = await reconcileSchedules({ db, temporal: () => client, config });
  console.log(`schedules reconciled: ${applied} in place${removed.length ? `, removed ${removed.join(', ')}` : ''}`);
  for (const f of failed) console.error(`schedule ${f.schedule} skipped: ${f.error}`);
  await (await client).connection.close();
}
const workers = await createWorkers({
  config,
  db,
  queues,
  workflowBundle: await loadWorkflowBundle(config.workflowBundle),
});
console.log(
  `worker ready: queues ${queues.map((q) => `${q}=${config.taskQueues[q]}`).join(', ')}; GPU_SLOTS=${config.gpuSlots}`,
);
await workers.run();
await db.$disconnect();
