// The runStep and pokeSensor activities: one attempt of one step (a command, a builtin or a no-op), in order: its
// inputs, a GPU slot, the attempt's row, the work, the slot back, its outputs, the row's outcome. What each kind
// of step does lives beside it: command-step.ts, builtin-step.ts (and inference.ts), sensors/.
import type { EgressGuard } from '~/workers/egress';
import type { StepSandbox } from '~/workers/sandbox/sandbox';
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { itemKeyProblem } from '~/common/item-key';
import path from 'node:path';
import { isCodeKind, type StepSpec } from '~/common/pipeline-spec';
import {
  RUN_LEVEL_ITEM,
  type SensorPoke,
  type StepOutput,
  type StepRequest,
  type StepResult,
} from '~/common/run-contract';
import type { Db } from '~/server/db';
import { resolveConnection } from '~/server/services/secrets/grants';
import { NO_MASK } from '~/server/services/secrets/mask';
import type { StepStatus } from '~/server/generated/prisma/enums';
import type { Environment } from '~/workers/child-env';
import type { Slots } from '~/workers/gpu-slots';
import type { ModelPool } from '~/workers/models/model-pool';
import type { ArtifactKeeper } from './artifacts';
import {
  type AttemptFiles,
  attemptFiles,
  attemptResult,
  clearAttemptFiles,
  fetchInputs,
  promoteAttemptFiles,
} from './attempt-files';
import { runBuiltinStep } from './builtin-step';
import { BoundedLog } from './command';
import { runCommandStep } from './command-step';
import { type CodeCellDeps, type CodeCellRun, runCodeCell } from '~/workers/cells/code-cell';
import { CellEvents } from '~/workers/cells/cell-events';
import type { StepActivities } from './contract';
import type { Builtin } from './builtins/types';
import { checkSensor } from './sensors';
import { badInput, where } from './step-failures';
import { stepOutputDir } from './step-dirs';
import { stepGrants } from './step-secrets';
import { fillStepPlaceholders } from './step-placeholders';
import { createStepRecorder, type AttemptKey } from './step-recorder';

export interface StepDeps {
  db: Db;
  dataDir: string;
  /** Working directory of step commands (relative script paths resolve against it). */
  stepCwd: string;
  stepLogBytes: number;
  builtins: Record<string, Builtin>;
  workerIdentity: string;
  artifacts: ArtifactKeeper;
  /** The worker's environment (its configuration's): commands see only its allow-list of it. */
  environment: Environment;
  /** The sandbox step programs run in (workers/sandbox). */
  sandbox: StepSandbox;
  /** The S3 client (S3 sensors), built on first use. */
  s3?: () => S3Client;
  /** The key the steps' granted secrets are decrypted with (BREWLINE_SECRET_KEY). */
  secretKey?: Buffer;
  /** Where the platform's own outbound calls may go (HTTP sensors). */
  egress: EgressGuard;
  /** The platform's own database, which no SQL sensor may query. */
  platformDatabase?: string;
  /** Resident model runners (builtins' ctx.infer). */
  models?: ModelPool;
  /** The GPU pool: a step executes only while it holds one of these (GPU workers). */
  slots?: Slots;
  /** Code cells: their Python environments and their stored code (absent: this worker runs none). */
  cells?: Pick<CodeCellDeps, 'environments' | 'code'>;
}

export function createStepActivities(deps: StepDeps): StepActivities {
  const recorder = createStepRecorder(deps.db);

  /** Runs the step; resolves to the JSON result a builtin returned (commands write theirs to a file). */
  async function execute(
    req: StepRequest,
    files: AttemptFiles,
    log: BoundedLog,
    attempt: number,
    signal: AbortSignal,
    secretEnv: Record<string, string>,
    cell?: Pick<CodeCellRun, 'events' | 'progress'>,
  ): Promise<unknown> {
    const commandDeps = {
      dataDir: deps.dataDir,
      cwd: deps.stepCwd,
      environment: deps.environment,
      sandbox: deps.sandbox,
    };
    switch (req.step.kind) {
      case 'noop':
        return undefined;
      case 'sensor':
        throw badInput(req, 'a sensor is checked by pokeSensor, not run');
      case 'markdown':
        throw badInput(req, 'a markdown cell runs nothing');
      case 'python':
      case 'shell': {
        if (!deps.cells || !cell) throw badInput(req, 'this worker runs no code cells');
        // an infer request arrives on the cell's socket, outside the activity's async context: keep its context
        const activity = Context.current();
        const heartbeat = (details: unknown) => activity.heartbeat(details);
        return runCodeCell(
          { req, attempt, files, log, signal, secretEnv, heartbeat, ...cell },
          { ...commandDeps, ...deps.cells, models: deps.models },
        );
      }
      case 'builtin': {
        const heartbeat = (details: unknown) => Context.current().heartbeat(details);
        return runBuiltinStep({ req, attempt, files, log, heartbeat }, deps);
      }
      case 'command':
        return runCommandStep({ req, attempt, files, log, signal, secretEnv }, commandDeps);
      default: {
        const unreachable: never = req.step.kind;
        throw new Error(`unknown step kind ${String(unreachable)}`);
      }
    }
  }

  /** A request whose params stayed in the run's row (too large for a workflow payload) gets them from there. */
  async function withParams(req: StepRequest): Promise<StepRequest> {
    if (!req.paramsByReference) return req;
    const run = await deps.db.run.findUniqueOrThrow({ where: { id: req.runId }, select: { params: true } });
    return { ...req, params: run.params as Record<string, unknown> };
  }

  return {
    async pokeSensor({ request, poke, timedOut }: SensorPoke): Promise<boolean> {
      const ctx = Context.current();
      const req = await withParams(request);
      const key: AttemptKey = {
        runId: req.runId,
        itemKey: req.itemKey,
        stepId: req.step.id,
        attempt: 1 + (req.previousAttempts ?? 0),
      };
      const { check, timeoutMs } = req.step.sensor!;
      if (timedOut) {
        await recorder.finished(key, {
          status: timedOut === 'skip' ? 'skipped' : 'failed',
          error: `${where(req)}: the condition did not hold within ${timeoutMs} ms (${poke - 1} checks)`,
          log: `gave up after ${poke - 1} checks`,
          logTruncated: false,
        });
        return false;
      }
      const { met, what } = await checkSensor(
        check,
        {
          where: where(req),
          itemKey: req.itemKey,
          fill: (text) => fillStepPlaceholders(text, { req, dataDir: deps.dataDir, attempt: 1 }),
        },
        {
          cwd: deps.stepCwd,
          s3: deps.s3,
          connections: (name, types) => resolveConnection(deps.db, deps.secretKey, name, types),
          egress: deps.egress,
          platformDatabase: deps.platformDatabase,
        },
      );
      if (met) {
        if (poke === 1) await recorder.started(key, ctx.info.taskQueue, deps.workerIdentity);
        await recorder.finished(key, {
          status: 'succeeded',
          log: `check ${poke}: ${what}: condition holds`,
          logTruncated: false,
        });
      } else await recorder.waiting(key, ctx.info.taskQueue, deps.workerIdentity, `check ${poke}: waiting for ${what}`);
      return met;
    },

    async runStep(request: StepRequest): Promise<StepResult> {
      const ctx = Context.current();
      const req = await withParams(request);
      // a retried run continues the attempt numbers of the step's earlier executions
      const attempt = ctx.info.attempt + (req.previousAttempts ?? 0);
      if (req.itemKey !== RUN_LEVEL_ITEM) {
        const problem = itemKeyProblem(req.itemKey);
        if (problem)
          throw ApplicationFailure.nonRetryable(`item key ${JSON.stringify(req.itemKey)} ${problem}`, 'BadInput');
      }
      const key: AttemptKey = { runId: req.runId, itemKey: req.itemKey, stepId: req.step.id, attempt };
      const { step } = req;
      const log = new BoundedLog(deps.stepLogBytes);
      let mask = NO_MASK;
      const stepDir = stepOutputDir(deps.dataDir, req.runId, req.itemKey, step.id);
      const files = attemptFiles(stepDir, attempt);
      // a code cell's displays and metrics, and its output so far while it runs (the notebook streams it)
      const events = isCodeKind(step.kind) ? new CellEvents(path.join(files.ioDir, 'events.jsonl')) : undefined;
      const cellOutput = () => mask.json(events?.displays ?? []) as unknown[];
      let shown = '';
      let showing: Promise<void> | undefined;
      const progress = () => {
        const output = { log: log.text(), displays: cellOutput() };
        const now = `${output.log.length}:${output.displays.length}`;
        if (showing || now === shown) return;
        shown = now;
        showing = recorder
          .progress(key, output)
          .catch(() => {})
          .finally(() => {
            showing = undefined;
          });
      };
      const endCell = async () => {
        if (!events) return undefined;
        for (const problem of events.problems) log.append(`\n[brewline] ${problem}`);
        await showing;
        await recorder.metrics(key, events.metrics);
        return cellOutput();
      };
      const abort = new AbortController();
      ctx.cancelled.catch(() => abort.abort());
      // The attempt's row says when it began executing (after its inputs are in place and it holds a GPU slot) and
      // when that ended; the row is written beside the work, not before it, and a GPU slot is released before the
      // outputs are stored, so neither bookkeeping nor file transfers keep the GPU idle.
      let recorded: Promise<void> | undefined;
      const record = () => (recorded ??= recorder.started(key, ctx.info.taskQueue, deps.workerIdentity));
      let release: (() => void) | undefined;
      let endedAt: Date | undefined;
      // heartbeats tell Temporal this worker is alive, whatever the step does and while it waits for a GPU slot; a
      // dead worker's attempt is retried
      const heartbeat =
        step.kind === 'noop' && !deps.slots
          ? undefined
          : setInterval(() => ctx.heartbeat(), Math.max(100, Math.min(step.timeouts.heartbeatMs / 3, 5_000)));
      try {
        const output: StepOutput = {};
        if (step.kind !== 'noop') {
          await clearAttemptFiles(files);
          await fetchInputs(req, files, deps);
        }
        const grants = await stepGrants(req, deps);
        mask = grants.mask;
        if (mask.active) log.mask = mask;
        if (deps.slots) release = await deps.slots.acquire(ctx.cancellationSignal);
        const began = Date.now();
        // a failed write surfaces when it is awaited below, not as an unhandled rejection now
        record().catch(() => {});
        const returned = await execute(
          req,
          files,
          log,
          attempt,
          abort.signal,
          grants.env,
          events && { events, progress: () => recorded && progress() },
        );
        endedAt = new Date();
        release?.();
        await recorded;
        const displays = await endCell();
        if (step.kind !== 'noop') {
          output.result = mask.json(await attemptResult(req, files, returned));
          await promoteAttemptFiles(files, stepDir);
          output.artifacts = await deps.artifacts.capture(key, stepDir);
        }
        await recorder.finished(key, {
          status: 'succeeded',
          log: log.text(),
          logTruncated: log.truncated,
          result: output.result,
          displays,
          endedAt,
        });
        return { stepId: step.id, durationMs: endedAt.getTime() - began, output: dropUndefined(output) };
      } catch (err) {
        endedAt ??= new Date();
        release?.();
        const status = failedStatus(err, ctx.info.attempt, step);
        // the message goes to the step's row and, thrown, to Temporal: neither may hold a granted value
        mask.error(err);
        const message = err instanceof Error ? err.message : String(err);
        try {
          await record();
          const displays = await endCell().catch(() => undefined);
          await recorder.finished(key, {
            status,
            displays,
            error: message,
            log: log.text(),
            logTruncated: log.truncated,
            endedAt,
          });
        } catch (recordErr) {
          throw unrecorded(req, err, recordErr);
        }
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

/**
 * A failed attempt whose row could not be written: logged with both causes, and failed retryably (whatever the
 * step's own failure) so that Temporal tries again and the next attempt's row says what happened; a cancelled
 * attempt stays cancelled.
 */
function unrecorded(req: StepRequest, stepErr: unknown, recordErr: unknown): Error {
  const reason = recordErr instanceof Error ? recordErr.message : String(recordErr);
  const stepMessage = stepErr instanceof Error ? stepErr.message : String(stepErr);
  Context.current().log.error(`${where(req)}: the attempt's outcome could not be recorded: ${reason}`, {
    recordError: recordErr,
    stepError: stepMessage,
  });
  if (stepErr instanceof CancelledFailure) return stepErr;
  return ApplicationFailure.create({
    message: `${where(req)}: the attempt's outcome could not be recorded (${reason}); it failed with: ${stepMessage}`,
    type: 'StepNotRecorded',
    cause: recordErr instanceof Error ? recordErr : undefined,
  });
}

function dropUndefined(output: StepOutput): StepOutput {
  return Object.fromEntries(Object.entries(output).filter(([, v]) => v !== undefined));
}

function failedStatus(err: unknown, attempt: number, step: StepSpec): StepStatus {
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'failed';
  return attempt >= step.retry.maxAttempts ? 'failed' : 'retrying';
}
