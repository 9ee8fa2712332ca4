// Every activity a worker registers, built from injected dependencies.
import type { Db } from '~/server/db';
import type { AppConfig } from '~/server/env';
import { createAlertActivities } from './alerts';
import { createBookkeepingActivities } from './bookkeeping';
import { cafeBuiltins } from './builtins/cafe';
import type { Builtin } from './builtins/types';
import { createStepActivities } from './run-step';
import { createScheduleActivities } from './schedules';

export interface ActivityDeps {
  db: Db;
  dataDir: string;
  cwd: string;
  stepLogBytes: number;
  workerIdentity: string;
  config: Pick<AppConfig, 'taskQueues' | 'itemsPerExecution' | 'publicUrl'>;
  builtins?: Record<string, Builtin>;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStepActivities({
      db: deps.db,
      dataDir: deps.dataDir,
      stepCwd: deps.cwd,
      stepLogBytes: deps.stepLogBytes,
      workerIdentity: deps.workerIdentity,
      builtins: { ...cafeBuiltins, ...deps.builtins },
    }),
    ...createBookkeepingActivities({ db: deps.db, cwd: deps.cwd, dataDir: deps.dataDir }),
    ...createScheduleActivities({ db: deps.db, config: deps.config }),
    ...createAlertActivities({ db: deps.db, publicUrl: deps.config.publicUrl }),
  };
}
