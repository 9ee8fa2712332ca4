// The secrets and connection a step is granted, decrypted by the worker as the attempt starts (the workflow carries
// only their names), and the masker that keeps their values out of its log, result and error.
import { ApplicationFailure } from '@temporalio/common';
import type { StepRequest } from '~/common/run-contract';
import type { Db } from '~/server/db';
import { GrantError, resolveStepGrants } from '~/server/services/secrets/grants';
import { createMasker, type Masker, NO_MASK } from '~/server/services/secrets/mask';
import { badInput, where } from './step-failures';

export interface StepGrants {
  /** Variables for the command's environment. */
  env: Record<string, string>;
  mask: Masker;
}

const NONE: StepGrants = { env: {}, mask: NO_MASK };

export async function stepGrants(req: StepRequest, deps: { db: Db; secretKey?: Buffer }): Promise<StepGrants> {
  const { step } = req;
  if (!step.connection && !Object.keys(step.secrets ?? {}).length) return NONE;
  try {
    const { env, values } = await resolveStepGrants(deps.db, deps.secretKey, step);
    return { env, mask: createMasker(values) };
  } catch (err) {
    if (!(err instanceof GrantError)) throw err;
    // a missing secret is the spec's problem; a worker without the key may be alone in that (another may have it)
    if (err.badInput) throw badInput(req, err.message);
    throw ApplicationFailure.retryable(`${where(req)}: ${err.message}`, 'SecretsUnavailable');
  }
}
