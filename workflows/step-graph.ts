// Runs a set of steps as a DAG: a step starts once every step it needs (within the set) has succeeded.
import { ActivityFailure, ApplicationFailure, proxyActivities, isCancellation } from '@temporalio/workflow';
import type { StepSpec } from '../common/pipeline-spec';
import type { RunPlan, StepHistory } from '../common/run-contract';
import type { StepActivities } from '../workers/activities/contract';

export interface StepGraphOutcome {
  status: 'succeeded' | 'failed';
  failedStep?: string;
  error?: string;
}

type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

function stepActivity(plan: RunPlan, step: StepSpec) {
  return proxyActivities<StepActivities>({
    taskQueue: plan.taskQueues[step.queue],
    startToCloseTimeout: step.timeouts.startToCloseMs,
    heartbeatTimeout: step.timeouts.heartbeatMs,
    retry: {
      maximumAttempts: step.retry.maxAttempts,
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maxIntervalMs,
    },
  }).runStep;
}

/** The user-facing reason an activity failed: the innermost cause's message. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure || (e instanceof Error && e.cause && !(e instanceof ApplicationFailure))) e = (e as Error).cause;
  return e instanceof Error ? e.message : String(e);
}

/** With `history` (a retried run), steps that already succeeded count as done and are not run again. */
export async function runStepGraph(plan: RunPlan, itemKey: string, steps: StepSpec[], history?: StepHistory): Promise<StepGraphOutcome> {
  const inGraph = new Set(steps.map((s) => s.id));
  const done = new Set(history?.succeeded ?? []);
  const state = new Map<string, StepState>(steps.map((s) => [s.id, done.has(s.id) ? 'succeeded' : 'pending']));
  const running = new Set<Promise<void>>();
  let outcome: StepGraphOutcome = { status: 'succeeded' };

  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const start = (step: StepSpec) => {
    state.set(step.id, 'running');
    const runStep = stepActivity(plan, step);
    const done: Promise<void> = runStep({
      runId: plan.runId,
      pipelineSlug: plan.pipelineSlug,
      itemKey,
      step,
      needs: step.needs.map((id) => ({ id, scope: byId.get(id)!.scope })),
      params: plan.params,
      models: Object.fromEntries([step.id, ...step.needs].filter((id) => plan.models[id]).map((id) => [id, plan.models[id]!])),
      previousAttempts: history?.attempts[step.id] ?? 0,
    })
      .then(
        () => void state.set(step.id, 'succeeded'),
        (err: unknown) => {
          if (isCancellation(err)) throw err;
          state.set(step.id, 'failed');
          if (outcome.status === 'succeeded') outcome = { status: 'failed', failedStep: step.id, error: failureMessage(err) };
        },
      )
      .finally(() => running.delete(done));
    running.add(done);
  };

  for (;;) {
    for (const step of steps) {
      if (state.get(step.id) !== 'pending') continue;
      const deps = step.needs.filter((n) => inGraph.has(n)).map((n) => state.get(n));
      if (deps.some((s) => s === 'failed' || s === 'skipped')) state.set(step.id, 'skipped');
      else if (deps.every((s) => s === 'succeeded')) start(step);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  return outcome;
}
