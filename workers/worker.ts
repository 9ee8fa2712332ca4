// Builds the Temporal workers of one process: "cpu" hosts the workflows, bookkeeping and CPU steps;
// "gpu" runs GPU steps only, GPU_SLOTS at a time (the GPU pool).
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { QueueName } from '~/common/queues';
import type { Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { createS3Client } from '~/server/artifacts/s3';
import { createArtifactStore } from '~/server/artifacts/store';
import { connectionOptions } from '~/server/temporal/connection';
import { createActivities } from './activities';
import { ModelPool, type ModelPoolStats } from './models/model-pool';
import { createWeightsResolver } from './models/model-weights';
import { modelCodePreparer, sitePackagesOf } from './models/model-code';
import { runnerPython } from '~/stack/runner-python';
import { createSlots, type Slots } from './gpu-slots';
import { loadPipelineBuiltins } from './activities/builtins/plugins';
import type { Builtin } from './activities/builtins/types';
import { CellEnvironments } from './cells/environments';
import { cellCodeLookup } from './cells/cell-code';
import { probeSandbox, SandboxUnavailableError, type StepSandbox } from './sandbox/sandbox';

export interface WorkerSetOptions {
  config: AppConfig;
  db: Db;
  queues: QueueName[];
  workflowBundle: { code: string };
  cwd?: string;
  /** Builtins beside the platform's and the pipelines' (a test's own). */
  builtins?: Record<string, Builtin>;
  connection?: NativeConnection;
}

export interface WorkerSet {
  run(): Promise<void>;
  shutdown(): void;
  /** The worker's resident models: what is loaded, loads, evictions, batch sizes. */
  models(): ModelPoolStats;
}

let runtimeInstalled = false;
/** Temporal's runtime is one per process: the first worker set's configuration sets its log level. */
function installRuntime(level: AppConfig['workerLogLevel']) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}

export async function createWorkers(opts: WorkerSetOptions): Promise<WorkerSet> {
  const { config } = opts;
  const cwd = opts.cwd ?? process.cwd();
  installRuntime(config.workerLogLevel);
  const builtins = { ...(await loadPipelineBuiltins()), ...opts.builtins };
  const connection = opts.connection ?? (await NativeConnection.connect(connectionOptions(config.temporal)));
  const ownsConnection = !opts.connection;
  const identity = `${os.hostname()}:${process.pid}`;
  // built on first use: only S3 artifact stores and S3 sensors need it
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= createS3Client(config.s3));
  const artifactStore = createArtifactStore(config.artifacts, config.artifacts.kind === 's3' ? s3() : undefined);
  const sandbox = {
    ...(await startSandbox(config.sandbox, config.environment.PATH)),
    sharedDirs: config.stepSharedDirs,
  };
  // code cells' environments are built once per requirement set and machine, shared by this worker's queues
  const cells = {
    environments: new CellEnvironments({
      dir: config.cells.envsDir,
      uv: config.cells.uv,
      python: config.cells.python,
      // uv is the worker's own tool (not a step): it runs with the worker's environment (HOME, proxies, UV_*)
      env: process.env,
      log: (line) => console.error(line),
    }),
    code: cellCodeLookup(opts.db),
  };
  // one pool of resident model runners per worker process, shared by its queues
  const python = runnerPython(cwd, config.models.python);
  const models = new ModelPool({
    ...config.models,
    cwd,
    healthCheckMs: 30_000,
    weights: createWeightsResolver({ cacheDir: path.join(config.dataDir, 'model-cache'), s3 }),
    environment: config.environment,
    // a model version's own code, and the environment its pinned requirements make (on top of the runners' Python)
    prepareCode: modelCodePreparer({
      dir: path.join(config.dataDir, 'model-code'),
      source: cells.code,
      python,
      environments: new CellEnvironments({
        dir: path.join(path.dirname(config.cells.envsDir), 'model-envs'),
        uv: config.cells.uv,
        python,
        env: process.env,
        basePaths: await sitePackagesOf(python).catch(() => []),
        label: "the model's Python environment",
        log: (line) => console.error(line),
      }),
    }),
    // runners run model code, a team's: sandboxed like steps, reading their inputs from the runs' folders
    sandbox:
      sandbox.mode === 'on'
        ? { readOnly: [path.join(config.dataDir, 'runs'), ...config.stepSharedDirs], unavailable: sandbox.unavailable }
        : undefined,
    log: (line) => console.error(`model runner: ${line}`),
  });
  const activities = (queue: QueueName, slots?: Slots) =>
    createActivities({
      db: opts.db,
      dataDir: config.dataDir,
      cwd: opts.cwd ?? process.cwd(),
      stepLogBytes: config.stepLogBytes,
      workerIdentity: `${identity}/${queue}`,
      config,
      builtins,
      artifactStore,
      s3,
      models,
      sandbox,
      slots,
      cells,
    });

  const workers = await Promise.all(
    opts.queues.map((queue) => {
      const common = {
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.taskQueues[queue],
        identity: `${identity}/${queue}`,
      };
      switch (queue) {
        case 'cpu':
          return Worker.create({
            ...common,
            workflowBundle: opts.workflowBundle,
            activities: activities(queue),
            maxConcurrentActivityTaskExecutions: config.cpuSlots,
            maxConcurrentLocalActivityExecutions: 200,
            maxConcurrentWorkflowTaskExecutions: 100,
            maxCachedWorkflows: 2_000,
            workflowThreadPoolSize: config.workflowThreads,
            maxConcurrentWorkflowTaskPolls: 8,
            maxConcurrentActivityTaskPolls: 8,
          });
        case 'gpu':
          return Worker.create({
            ...common,
            activities: (({ runStep, pokeSensor }) => ({ runStep, pokeSensor }))(
              activities(queue, createSlots(config.gpuSlots)),
            ),
            // per GPU slot: a step executing and one storing its outputs after giving the slot back; and GPU_PREFETCH
            // tasks waiting in the worker for a slot, so the GPU never waits for a poll round trip
            maxConcurrentActivityTaskExecutions: 2 * config.gpuSlots + config.gpuPrefetch,
            maxConcurrentActivityTaskPolls: Math.min(8, config.gpuSlots + config.gpuPrefetch),
          });
        default: {
          const unreachable: never = queue;
          throw new Error(`unknown queue ${String(unreachable)}`);
        }
      }
    }),
  );

  return {
    async run() {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await models.shutdown();
        if (ownsConnection) await connection.close();
      }
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    models: () => models.snapshot(),
  };
}

/** Checks once that step programs can be sandboxed here; says loudly when they cannot, or are not by choice. */
async function startSandbox(
  mode: AppConfig['sandbox'],
  searchPath: string | undefined,
): Promise<Omit<StepSandbox, 'sharedDirs'>> {
  if (mode === 'off') {
    console.error(
      "WARNING: BREWLINE_SANDBOX=off: step programs run unsandboxed, as this worker's user, and can read what it can.",
    );
    return { mode };
  }
  try {
    await probeSandbox(searchPath);
    return { mode };
  } catch (err) {
    if (!(err instanceof SandboxUnavailableError)) throw err;
    console.error(`ERROR: ${err.message} Until then this worker fails every command step.`);
    return { mode, unavailable: err.message };
  }
}
