// The runStep activity: executes one attempt of one step (a command, a builtin or a no-op) and records it.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { itemKeyProblem } from '~/common/item-key';
import { placeholders, type StepSpec } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM, type SensorPoke, type StepRequest, type StepResult } from '~/common/run-contract';
import type { Db } from '~/server/db';
import type { StepStatus } from '~/server/generated/prisma/enums';
import { BoundedLog, runCommand } from './command';
import type { StepActivities } from './contract';
import { neededOutputDir, runDir, stepOutputDir } from './step-dirs';
import { createStepRecorder, type AttemptKey } from './step-recorder';
import { BadInputError, type Builtin } from './builtins/types';

export interface StepDeps {
  db: Db;
  dataDir: string;
  /** Working directory of step commands (relative script paths resolve against it). */
  stepCwd: string;
  stepLogBytes: number;
  builtins: Record<string, Builtin>;
  workerIdentity: string;
}

/** Exit code a step program uses to say its input is bad (sysexits' EX_DATAERR): retrying cannot help. */
export const EXIT_BAD_INPUT = 65;

// Step programs see only these variables of the worker's environment (no database URL, no tokens).
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'CUDA_VISIBLE_DEVICES', 'PYTHONPATH', 'VIRTUAL_ENV'];

function where(req: StepRequest): string {
  return req.itemKey === RUN_LEVEL_ITEM ? `run-level step "${req.step.id}"` : `item "${req.itemKey}", step "${req.step.id}"`;
}

export function createStepActivities(deps: StepDeps): StepActivities {
  const recorder = createStepRecorder(deps.db);

  async function execute(req: StepRequest, outDir: string, log: BoundedLog, attempt: number, signal: AbortSignal): Promise<void> {
    const { step } = req;
    switch (step.kind) {
      case 'noop':
        return;
      case 'sensor':
        throw ApplicationFailure.nonRetryable(`${where(req)}: a sensor is checked by pokeSensor, not run`, 'BadInput');
      case 'builtin': {
        const builtin = deps.builtins[step.builtin!];
        if (!builtin) throw ApplicationFailure.nonRetryable(`${where(req)}: unknown builtin "${step.builtin}"`, 'BadInput');
        try {
          await builtin({
            db: deps.db,
            runId: req.runId,
            itemKey: req.itemKey,
            stepId: step.id,
            params: req.params,
            outDir,
            inputDirs: Object.fromEntries(req.needs.map((n) => [n.id, neededOutputDir(deps.dataDir, req.runId, req.itemKey, n)])),
            models: req.models,
            log: (line) => log.append(`${line}\n`),
          });
        } catch (err) {
          if (err instanceof BadInputError) throw ApplicationFailure.nonRetryable(`${where(req)}: bad input: ${err.message}`, 'BadInput');
          throw err;
        }
        return;
      }
      case 'command': {
        const argv = step.command!.map((arg) => substitute(arg, req, outDir, attempt));
        const result = await runCommand(argv, {
          cwd: deps.stepCwd,
          env: commandEnv(req, outDir, attempt),
          timeoutMs: step.timeouts.startToCloseMs,
          signal,
          log,
        });
        if (result.aborted) throw new CancelledFailure('cancelled');
        const reason = log.lastLine();
        if (result.timedOut) throw ApplicationFailure.retryable(`${where(req)}: timed out after ${step.timeouts.startToCloseMs} ms`, 'StepTimedOut');
        if (result.exitCode === EXIT_BAD_INPUT)
          throw ApplicationFailure.nonRetryable(`${where(req)}: bad input: ${reason || 'the step reported bad input'}`, 'BadInput');
        if (result.exitCode !== 0)
          throw ApplicationFailure.retryable(
            `${where(req)}: exited with ${result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`}${reason ? `: ${reason}` : ''}`,
            'StepFailed',
          );
        return;
      }
      default: {
        const unreachable: never = step.kind;
        throw new Error(`unknown step kind ${String(unreachable)}`);
      }
    }
  }

  function substitute(arg: string, req: StepRequest, outDir: string, attempt: number): string {
    let out = arg;
    for (const name of placeholders(arg)) {
      out = out.replace(`{${name}}`, placeholderValue(name, req, outDir, attempt));
    }
    return out;
  }

  function placeholderValue(name: string, req: StepRequest, outDir: string, attempt: number): string {
    if (name === 'item') return req.itemKey;
    if (name === 'run') return req.runId;
    if (name === 'out') return outDir;
    if (name === 'attempt') return String(attempt);
    if (name === 'runDir') return runDir(deps.dataDir, req.runId);
    if (name.startsWith('in.')) {
      const needed = req.needs.find((n) => n.id === name.slice(3));
      if (needed) return neededOutputDir(deps.dataDir, req.runId, req.itemKey, needed);
    }
    if (name.startsWith('model.')) {
      const model = req.models[req.step.id];
      if (model) return name === 'model.uri' ? model.artifactUri : name === 'model.name' ? model.name : String(model.version);
    }
    if (name.startsWith('params.')) {
      const value = req.params[name.slice(7)];
      if (value !== undefined) return typeof value === 'string' ? value : JSON.stringify(value);
    }
    throw ApplicationFailure.nonRetryable(`${where(req)}: placeholder {${name}} has no value`, 'BadInput');
  }

  function commandEnv(req: StepRequest, outDir: string, attempt: number): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    return {
      ...env,
      ...req.step.env,
      BREWLINE_RUN_ID: req.runId,
      BREWLINE_ITEM: req.itemKey,
      BREWLINE_STEP: req.step.id,
      BREWLINE_ATTEMPT: String(attempt),
      BREWLINE_OUTPUT_DIR: outDir,
      ...(req.models[req.step.id]
        ? { BREWLINE_MODEL_NAME: req.models[req.step.id]!.name, BREWLINE_MODEL_VERSION: String(req.models[req.step.id]!.version), BREWLINE_MODEL_URI: req.models[req.step.id]!.artifactUri }
        : {}),
    };
  }

  async function sensorHolds(req: StepRequest): Promise<{ met: boolean; what: string }> {
    const { check } = req.step.sensor!;
    const fill = (text: string) => substitute(text, req, '', 1);
    switch (check.type) {
      case 'file': {
        const target = path.resolve(deps.stepCwd, fill(check.path));
        const dir = path.dirname(target);
        const pattern = path.basename(target);
        if (!/[*?]/.test(pattern)) return { met: await stat(target).then(() => true, () => false), what: `file ${target}` };
        const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
        const names = await readdir(dir).catch(() => [] as string[]);
        return { met: names.some((n) => re.test(n)), what: `a file matching ${target}` };
      }
      case 'http': {
        const url = fill(check.url);
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
        return { met: !!res?.ok, what: `${url} answering 2xx${res ? ` (got ${res.status})` : ''}` };
      }
      case 'sql': {
        const url = process.env[check.databaseEnv];
        if (!url) throw ApplicationFailure.nonRetryable(`${where(req)}: the worker has no ${check.databaseEnv} for the SQL sensor`, 'BadInput');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const { rowCount } = await client.query(check.query, check.query.includes('$1') ? [req.itemKey] : []);
          return { met: (rowCount ?? 0) > 0, what: 'the SQL query returning a row' };
        } finally {
          await client.end();
        }
      }
      default: {
        const unreachable: never = check;
        throw new Error(`unknown sensor ${JSON.stringify(unreachable)}`);
      }
    }
  }

  return {
    async pokeSensor({ request: req, poke, timedOut }: SensorPoke): Promise<boolean> {
      const ctx = Context.current();
      const key: AttemptKey = { runId: req.runId, itemKey: req.itemKey, stepId: req.step.id, attempt: 1 + (req.previousAttempts ?? 0) };
      const { timeoutMs } = req.step.sensor!;
      if (timedOut) {
        await recorder.finished(key, {
          status: timedOut === 'skip' ? 'skipped' : 'failed',
          error: `${where(req)}: the condition did not hold within ${timeoutMs} ms (${poke - 1} checks)`,
          log: `gave up after ${poke - 1} checks`,
          logTruncated: false,
        });
        return false;
      }
      const { met, what } = await sensorHolds(req);
      if (met) {
        if (poke === 1) await recorder.started(key, ctx.info.taskQueue, deps.workerIdentity);
        await recorder.finished(key, { status: 'succeeded', log: `check ${poke}: ${what}: condition holds`, logTruncated: false });
      } else await recorder.waiting(key, ctx.info.taskQueue, deps.workerIdentity, `check ${poke}: waiting for ${what}`);
      return met;
    },

    async runStep(req: StepRequest): Promise<StepResult> {
      const ctx = Context.current();
      // a retried run continues the attempt numbers of the step's earlier executions
      const attempt = ctx.info.attempt + (req.previousAttempts ?? 0);
      if (req.itemKey !== RUN_LEVEL_ITEM) {
        const problem = itemKeyProblem(req.itemKey);
        if (problem) throw ApplicationFailure.nonRetryable(`item key ${JSON.stringify(req.itemKey)} ${problem}`, 'BadInput');
      }
      const key: AttemptKey = { runId: req.runId, itemKey: req.itemKey, stepId: req.step.id, attempt };
      const started = Date.now();
      await recorder.started(key, ctx.info.taskQueue, deps.workerIdentity);

      const log = new BoundedLog(deps.stepLogBytes);
      const finalDir = stepOutputDir(deps.dataDir, req.runId, req.itemKey, req.step.id);
      // Each attempt writes to its own directory, promoted on success: a dead attempt's orphan never mixes in.
      const attemptDir = `${finalDir}.attempt-${attempt}`;
      const abort = new AbortController();
      ctx.cancelled.catch(() => abort.abort());
      // heartbeats tell Temporal this worker is alive, whatever the step does; a dead worker's attempt is retried
      const heartbeat = req.step.kind === 'noop' ? undefined : setInterval(() => ctx.heartbeat(), Math.max(100, Math.min(req.step.timeouts.heartbeatMs / 3, 5_000)));
      try {
        if (req.step.kind !== 'noop') {
          await rm(attemptDir, { recursive: true, force: true });
          await mkdir(attemptDir, { recursive: true });
        }
        await execute(req, attemptDir, log, attempt, abort.signal);
        if (req.step.kind !== 'noop') {
          await rm(finalDir, { recursive: true, force: true });
          await rename(attemptDir, finalDir);
        }
        await recorder.finished(key, { status: 'succeeded', log: log.text(), logTruncated: log.truncated });
        return { stepId: req.step.id, durationMs: Date.now() - started };
      } catch (err) {
        const status = failedStatus(err, ctx.info.attempt, req.step);
        const message = err instanceof Error ? err.message : String(err);
        await recorder.finished(key, { status, error: message, log: log.text(), logTruncated: log.truncated }).catch(() => {});
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

function failedStatus(err: unknown, attempt: number, step: StepSpec): StepStatus {
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'failed';
  return attempt >= step.retry.maxAttempts ? 'failed' : 'retrying';
}
