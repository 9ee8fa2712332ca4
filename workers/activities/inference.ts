// The inference bridge: a builtin's ctx.infer runs the step's model on the worker's resident runners
// (workers/models), and the runners' failures become the attempt's (retried or not). The files its inputs name
// must lie in the step's own folder or those of the steps it needs.
import { ApplicationFailure } from '@temporalio/common';
import type { StepRequest } from '~/common/run-contract';
import { confineInputFiles, InputFileError, realFolders } from '~/workers/models/input-files';
import { type ModelPool, ModelUnservableError } from '~/workers/models/model-pool';
import { WeightsUnavailableError } from '~/workers/models/model-weights';
import { RunnerCrashedError, RunnerRequestError } from '~/workers/models/runner-process';
import { BadInputError } from './builtins/types';
import { where } from './step-failures';

/**
 * A builtin's ctx.infer: this step's model through the worker's resident runners. Progress is counted per attempt
 * and heartbeats, so a stuck runner shows as a heartbeat timeout and the attempt is retried. `folders` are the step's
 * output folder and its inputs' folders: a file an input names (resolved through symlinks) must lie in one of them.
 */
export function inferenceFor(
  req: StepRequest,
  models: ModelPool | undefined,
  heartbeat: (details: { inferred: number }) => void,
  folders: string[],
): (inputs: unknown[]) => Promise<unknown[]> {
  let inferred = 0;
  return async (inputs) => {
    const model = req.models[req.step.id];
    if (!model) throw new BadInputError(`step "${req.step.id}" names no model to infer with`);
    if (!models) throw new ModelUnservableError('this worker runs no models');
    const roots = await realFolders(folders);
    const confined = await confineInputFiles(inputs, roots).catch((err: unknown) => {
      throw err instanceof InputFileError ? new BadInputError(err.message) : err;
    });
    const outputs = await models.infer(model, confined, { roots });
    inferred += outputs.length;
    heartbeat({ inferred });
    return outputs;
  };
}

/** The attempt's failure for a model that failed it, or undefined when `err` is not the models'. */
export function inferenceFailure(req: StepRequest, err: unknown): ApplicationFailure | undefined {
  if (
    err instanceof ModelUnservableError ||
    err instanceof RunnerRequestError ||
    err instanceof WeightsUnavailableError
  )
    return ApplicationFailure.nonRetryable(`${where(req)}: ${err.message}`, err.name);
  // a crashed runner is restarted on the next attempt
  if (err instanceof RunnerCrashedError) return ApplicationFailure.retryable(`${where(req)}: ${err.message}`, err.name);
  return undefined;
}
