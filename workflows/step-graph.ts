// Runs a set of steps as a DAG: a step starts once every step it needs (within the set) has succeeded.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { StepSpec } from '../common/pipeline-spec';
import type { RunPlan, StepHistory, StepOutput, StepRequest } from '../common/run-contract';
import type { ItemOutcomeStatus } from '../common/statuses';
import type { StepActivities } from '../workers/activities/contract';

export interface StepGraphOutcome {
  status: ItemOutcomeStatus;
  failedStep?: string;
  error?: string;
  /** What the steps that succeeded handed on (results and file references), by step id. */
  outputs: Record<string, StepOutput>;
}

type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** A flag an item's "ready" signal raises, so a waiting sensor checks at once instead of at its next poke. */
export interface Wake {
  raised(): boolean;
  lower(): void;
}

const SENSOR_CHECK_RETRY = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 5,
} as const;

/**
 * A sensor's check is a short look (a file, an object, an HTTP answer, a row): it runs as a local activity on the
 * item's own worker, inside the workflow task that asked for it, so a check costs no task-queue round trip and
 * holds no CPU slot; a dong whose file lands starts its first step in the same workflow task as the check that
 * saw it. Items that started before this change keep checking through the CPU task queue.
 */
const sensorChecks = (plan: RunPlan) =>
  patched('sensor-checks-as-local-activities')
    ? proxyLocalActivities<StepActivities>({ startToCloseTimeout: '1m', retry: SENSOR_CHECK_RETRY }).pokeSensor
    : proxyActivities<StepActivities>({
        taskQueue: plan.taskQueues.cpu,
        startToCloseTimeout: '1m',
        retry: SENSOR_CHECK_RETRY,
      }).pokeSensor;

/**
 * Waits for a sensor's condition with durable timers between checks: nothing holds a worker slot while it
 * waits, however many items are waiting. Returns false when it timed out with onTimeout "skip".
 */
async function waitForSensor(plan: RunPlan, request: StepRequest, wake?: Wake): Promise<boolean> {
  const sensor = request.step.sensor!;
  const poke = sensorChecks(plan);
  const deadline = Date.now() + sensor.timeoutMs;
  for (let n = 1; ; n++) {
    wake?.lower();
    if (await poke({ request, poke: n })) return true;
    const left = deadline - Date.now();
    if (left <= 0) {
      await poke({ request, poke: n + 1, timedOut: sensor.onTimeout });
      if (sensor.onTimeout === 'skip') return false;
      throw ApplicationFailure.nonRetryable(
        `item "${request.itemKey}", sensor "${request.step.id}": not ready within ${sensor.timeoutMs} ms`,
        'SensorTimeout',
      );
    }
    await condition(() => wake?.raised() ?? false, Math.min(sensor.pokeIntervalMs, left));
  }
}

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

const isCode = (step: StepSpec) => step.kind === 'python' || step.kind === 'shell';

/** The user-facing reason an activity failed: the innermost cause's message. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure || (e instanceof Error && e.cause && !(e instanceof ApplicationFailure)))
    e = (e as Error).cause;
  return e instanceof Error ? e.message : String(e);
}

export interface StepGraphOptions {
  /** A retried run: steps that already succeeded count as done, their outputs reused, and are not run again. */
  history?: StepHistory;
  wake?: Wake;
  /** Outputs of steps outside this graph (the run-level "before" steps, for an item). */
  inherited?: Record<string, StepOutput>;
}

export async function runStepGraph(
  plan: RunPlan,
  itemKey: string,
  steps: StepSpec[],
  { history, wake, inherited }: StepGraphOptions = {},
): Promise<StepGraphOutcome> {
  const inGraph = new Set(steps.map((s) => s.id));
  const done = new Set(history?.succeeded ?? []);
  const state = new Map<string, StepState>(steps.map((s) => [s.id, done.has(s.id) ? 'succeeded' : 'pending']));
  const outputs: Record<string, StepOutput> = { ...inherited, ...history?.outputs };
  const running = new Set<Promise<void>>();
  let outcome: Omit<StepGraphOutcome, 'outputs'> = { status: 'succeeded' };
  let skippedBySensor = false;

  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const start = (step: StepSpec) => {
    state.set(step.id, 'running');
    const request: StepRequest = {
      runId: plan.runId,
      pipelineSlug: plan.pipelineSlug,
      itemKey,
      step,
      needs: step.needs.map((id) => ({ id, scope: byId.get(id)!.scope })),
      params: plan.params,
      paramsByReference: plan.paramsByReference,
      ...(plan.python && isCode(step) ? { python: plan.python } : {}),
      ...(plan.cell?.runDirOf ? { runDirOf: plan.cell.runDirOf } : {}),
      models: Object.fromEntries(
        [step.id, ...step.needs].filter((id) => plan.models[id]).map((id) => [id, plan.models[id]!]),
      ),
      previousAttempts: history?.attempts[step.id] ?? 0,
      inputs: Object.fromEntries(step.needs.filter((id) => outputs[id]).map((id) => [id, outputs[id]!])),
    };
    const execution: Promise<boolean> =
      step.kind === 'sensor'
        ? waitForSensor(plan, request, wake)
        : stepActivity(
            plan,
            step,
          )(request).then((r) => {
            if (r.output && Object.keys(r.output).length > 0) outputs[step.id] = r.output;
            return true;
          });
    const done: Promise<void> = execution
      .then(
        (ok) => {
          state.set(step.id, ok ? 'succeeded' : 'skipped');
          if (!ok) skippedBySensor = true;
        },
        (err: unknown) => {
          if (isCancellation(err)) throw err;
          state.set(step.id, 'failed');
          if (outcome.status === 'succeeded')
            outcome = { status: 'failed', failedStep: step.id, error: failureMessage(err) };
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
  const own = Object.fromEntries(Object.entries(outputs).filter(([id]) => inGraph.has(id)));
  return outcome.status === 'succeeded' && skippedBySensor
    ? { status: 'skipped', outputs: own }
    : { ...outcome, outputs: own };
}
