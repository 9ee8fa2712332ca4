// A builtin step: code the worker ships (builtins/), called with the attempt's context; its typed errors become
// the attempt's failure (bad input and unservable models are not retried).
import type { StepRequest } from '~/common/run-contract';
import type { ModelPool } from '~/workers/models/model-pool';
import type { Db } from '~/server/db';
import type { AttemptFiles } from './attempt-files';
import type { BoundedLog } from './command';
import { BadInputError, type Builtin } from './builtins/types';
import { inferenceFailure, inferenceFor } from './inference';
import { badInput } from './step-failures';
import { neededOutputDir } from './step-dirs';
import { fillStepPlaceholders } from './step-placeholders';

export interface BuiltinStep {
  req: StepRequest;
  attempt: number;
  files: AttemptFiles;
  log: BoundedLog;
  /** Progress of ctx.infer, for Temporal. */
  heartbeat: (details: { inferred: number }) => void;
}

export interface BuiltinStepDeps {
  db: Db;
  dataDir: string;
  builtins: Record<string, Builtin>;
  models?: ModelPool;
}

/** Resolves to the JSON result the builtin returned, if any. */
export async function runBuiltinStep(run: BuiltinStep, deps: BuiltinStepDeps): Promise<unknown> {
  const { req, attempt, files, log } = run;
  const { step } = req;
  const builtin = deps.builtins[step.builtin!];
  if (!builtin) throw badInput(req, `unknown builtin "${step.builtin}"`);
  const fill = (text: string) => fillStepPlaceholders(text, { req, dataDir: deps.dataDir, attempt, files });
  const inputDirs = Object.fromEntries(
    req.needs.map((n) => [n.id, neededOutputDir(deps.dataDir, req.runId, req.itemKey, n)]),
  );
  try {
    return await builtin({
      db: deps.db,
      runId: req.runId,
      itemKey: req.itemKey,
      stepId: step.id,
      params: req.params,
      args: Object.fromEntries(Object.entries(step.args ?? {}).map(([name, value]) => [name, fill(value)])),
      outDir: files.outDir,
      inputDirs,
      results: Object.fromEntries(
        Object.entries(req.inputs ?? {})
          .filter(([, o]) => o.result !== undefined)
          .map(([id, o]) => [id, o.result]),
      ),
      models: req.models,
      log: (line) => log.append(`${line}\n`),
      infer: inferenceFor(req, deps.models, run.heartbeat, [files.outDir, ...Object.values(inputDirs)]),
    });
  } catch (err) {
    if (err instanceof BadInputError) throw badInput(req, `bad input: ${err.message}`);
    throw inferenceFailure(req, err) ?? err;
  }
}
