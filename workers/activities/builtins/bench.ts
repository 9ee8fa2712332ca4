// Builtins of the benchmarks (bench/*.ts): steps that take a planned time, standing in for real work.
import { BadInputError, type Builtin } from './types';

/**
 * Sleeps as long as the run's `work` param plans for this item and step: a JSON string
 * `{ "<item>": { "<step id>": milliseconds } }`, so a benchmark knows every step's duration up front.
 */
export const sleepPlannedWork: Builtin = async (ctx) => {
  const ms = plannedMs(ctx.params.work, ctx.itemKey, ctx.stepId);
  await new Promise((resolve) => setTimeout(resolve, ms));
  ctx.log(`worked ${ms} ms`);
};

function plannedMs(work: unknown, itemKey: string, stepId: string): number {
  if (typeof work !== 'string')
    throw new BadInputError('the run has no "work" param (a JSON string of durations by item and step)');
  let plan: unknown;
  try {
    plan = JSON.parse(work);
  } catch (err) {
    throw new BadInputError(`the "work" param is not JSON: ${(err as Error).message}`);
  }
  const ms = (plan as Record<string, Record<string, unknown> | undefined> | null)?.[itemKey]?.[stepId];
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new BadInputError(`the "work" param plans no duration for item "${itemKey}", step "${stepId}"`);
  return ms;
}

export const benchBuiltins: Record<string, Builtin> = {
  'bench.sleep': sleepPlannedWork,
};
