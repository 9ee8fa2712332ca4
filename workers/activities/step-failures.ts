// How a step attempt's failures name it, and the one for bad input (retrying cannot help).
import { ApplicationFailure } from '@temporalio/common';
import { RUN_LEVEL_ITEM, type StepRequest } from '~/common/run-contract';

/** The attempt's step, as errors begin: `item "mapo", step "crawl"`. */
export function where(req: StepRequest): string {
  return req.itemKey === RUN_LEVEL_ITEM
    ? `run-level step "${req.step.id}"`
    : `item "${req.itemKey}", step "${req.step.id}"`;
}

export function badInput(req: StepRequest, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${where(req)}: ${message}`, 'BadInput');
}
