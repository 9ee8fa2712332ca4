import type { ResolvedModel } from '~/common/model-ref';
import type { Db } from '~/server/db';

/** What a builtin step (code the worker ships, e.g. bench.sleep) gets to work with. */
export interface BuiltinContext {
  db: Db;
  runId: string;
  itemKey: string;
  stepId: string;
  params: Record<string, unknown>;
  /** The step's args, placeholders resolved. */
  args: Record<string, string>;
  /** This step's output directory (already created, empty). */
  outDir: string;
  /** Output directories of the steps this one needs, by step id. */
  inputDirs: Record<string, string>;
  /** The JSON results of the steps this one needs, by step id (those that returned one). */
  results: Record<string, unknown>;
  /** Model versions of this step and the steps it needs, by step id. */
  models: Record<string, ResolvedModel>;
  log(line: string): void;
  /** Runs this step's model on the inputs (one output each), through the worker's resident runner for the
   * model version, batched with other items' requests. Fails when the step names no model. */
  infer(inputs: unknown[]): Promise<unknown[]>;
}

/** A builtin may return a small JSON result for the steps that need it (see common/step-output.ts). */
export type Builtin = (ctx: BuiltinContext) => Promise<unknown>;

/** A builtin's input is unusable: fail without retrying. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}
