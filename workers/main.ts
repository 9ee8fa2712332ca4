// Worker process entry: `tsx workers/main.ts --queues cpu,gpu`. Ctrl-C / SIGTERM drain and stop it.
// With BREWLINE_WORKER_HEALTH_PORT set it also answers GET /healthz and /readyz (workers/health.ts).
import type { Client } from '@temporalio/client';
import { QUEUES, type QueueName } from '~/common/queues';
import { createDb } from '~/server/db';
import { loadConfig } from '~/server/env';
import { databaseProbe, temporalProbe } from '~/server/presenters/health';
import { reconcileSchedules } from '~/server/services/schedules/temporal-schedules';
import { createTemporalClient } from '~/server/temporal/client';
import { startHealthServer } from './health';
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
// one Temporal client for the schedules and the readiness probe, made again after a failed connect
let client: Promise<Client> | undefined;
const temporal = () =>
  (client ??= createTemporalClient(config.temporal).catch((err) => {
    client = undefined;
    throw err;
  }));
const closeTemporal = async () => {
  const closing = client;
  client = undefined;
  await closing?.then((c) => c.connection.close()).catch(() => {});
};
if (queues.includes('cpu')) {
  // the database is the record of schedules; make Temporal agree with it (after a crash at any point)
  const { applied, removed, failed } = await reconcileSchedules({ db, temporal, config });
  console.log(`schedules reconciled: ${applied} in place${removed.length ? `, removed ${removed.join(', ')}` : ''}`);
  for (const f of failed) console.error(`schedule ${f.schedule} skipped: ${f.error}`);
  if (config.workerHealthPort === undefined) await closeTemporal();
}
const workers = await createWorkers({
  config,
  db,
  queues,
  workflowBundle: await loadWorkflowBundle(config.workflowBundle),
});
const health =
  config.workerHealthPort === undefined
    ? undefined
    : await startHealthServer({
        port: config.workerHealthPort,
        probes: { database: databaseProbe(db), temporal: temporalProbe(temporal) },
      });
if (health) console.log(`health server on port ${health.port}: GET /healthz, /readyz`);
console.log(
  `worker ready: queues ${queues.map((q) => `${q}=${config.taskQueues[q]}`).join(', ')}; GPU_SLOTS=${config.gpuSlots}`,
);
try {
  await workers.run();
} finally {
  await health?.close();
  await closeTemporal();
  await db.$disconnect();
}
