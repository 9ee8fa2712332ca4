// Every activity a worker registers, built from injected dependencies.
import { createEgressGuard } from '~/workers/egress';
import type { ArtifactStore } from '~/server/artifacts/store';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Db } from '~/server/db';
import type { ModelPool } from '~/workers/models/model-pool';
import type { Slots } from '~/workers/gpu-slots';
import type { AppConfig } from '~/server/env';
import type { StepSandbox } from '~/workers/sandbox/sandbox';
import { createAlertActivities } from './alerts';
import { createArtifactKeeper } from './artifacts';
import { createBookkeepingActivities } from './bookkeeping';
import { benchBuiltins } from './builtins/bench';
import type { Builtin } from './builtins/types';
import { createStepActivities, type StepDeps } from './run-step';
import { createScheduleActivities } from './schedules';

export interface ActivityDeps {
  db: Db;
  dataDir: string;
  cwd: string;
  stepLogBytes: number;
  workerIdentity: string;
  config: Pick<
    AppConfig,
    | 'taskQueues'
    | 'itemsPerExecution'
    | 'publicUrl'
    | 'environment'
    | 'stepSharedDirs'
    | 'secretKey'
    | 'egressAllow'
    | 'databaseUrl'
  >;
  /** Builtins beside the platform's: the pipelines' (builtins/plugins.ts), and a test's own. */
  builtins?: Record<string, Builtin>;
  artifactStore: ArtifactStore;
  /** The S3 client, built on first use (S3 sensors). */
  s3?: () => S3Client;
  models?: ModelPool;
  /** The sandbox step programs run in: on (or why it cannot start), or off by an admin's choice. */
  sandbox: StepSandbox;
  /** The GPU pool (GPU workers): steps execute only while holding a slot. */
  slots?: Slots;
  /** Code cells' environments and stored code (absent: this worker runs no code cells). */
  cells?: StepDeps['cells'];
}

export function createActivities(deps: ActivityDeps) {
  const egress = createEgressGuard(deps.config.egressAllow);
  return {
    ...createStepActivities({
      db: deps.db,
      dataDir: deps.dataDir,
      stepCwd: deps.cwd,
      stepLogBytes: deps.stepLogBytes,
      workerIdentity: deps.workerIdentity,
      builtins: { ...benchBuiltins, ...deps.builtins },
      artifacts: createArtifactKeeper(deps.db, deps.artifactStore),
      environment: deps.config.environment,
      sandbox: deps.sandbox,
      s3: deps.s3,
      secretKey: deps.config.secretKey,
      egress,
      platformDatabase: deps.config.databaseUrl,
      models: deps.models,
      slots: deps.slots,
      cells: deps.cells,
    }),
    ...createBookkeepingActivities({
      db: deps.db,
      cwd: deps.cwd,
      dataDir: deps.dataDir,
      sharedDirs: deps.config.stepSharedDirs,
    }),
    ...createScheduleActivities({ db: deps.db, config: deps.config }),
    ...createAlertActivities({
      db: deps.db,
      publicUrl: deps.config.publicUrl,
      secretKey: deps.config.secretKey,
      egress,
    }),
  };
}
