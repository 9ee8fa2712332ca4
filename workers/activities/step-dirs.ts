// Where a step's outputs live: <dataDir>/runs/<run>/items/<item>/<step>, or .../run/<step> for run-level steps.
import path from 'node:path';
import type { StepSpec } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM } from '~/common/run-contract';

export function runDir(dataDir: string, runId: string): string {
  return path.resolve(dataDir, 'runs', runId);
}

/** {runDir}: the folder a run's steps share (a landing zone, e.g. the crawl's files), apart from their outputs. */
export function runSharedDir(dataDir: string, runId: string): string {
  return path.join(runDir(dataDir, runId), 'shared');
}

/** A step's {runDir}: its run's shared folder, or, for a cell run, that of the earlier run that fed it. */
export const stepSharedDir = (dataDir: string, req: { runId: string; runDirOf?: string }) =>
  runSharedDir(dataDir, req.runDirOf ?? req.runId);

export function stepOutputDir(dataDir: string, runId: string, itemKey: string, stepId: string): string {
  const base = runDir(dataDir, runId);
  return itemKey === RUN_LEVEL_ITEM ? path.join(base, 'run', stepId) : path.join(base, 'items', itemKey, stepId);
}

/** The output dir of a step this one needs: run-level steps' outputs are shared by every item. */
export function neededOutputDir(
  dataDir: string,
  runId: string,
  itemKey: string,
  needed: Pick<StepSpec, 'id' | 'scope'>,
): string {
  return stepOutputDir(dataDir, runId, needed.scope === 'item' ? itemKey : RUN_LEVEL_ITEM, needed.id);
}
