// The runStep activity: executes one attempt of one step (a command, a builtin or a no-op) and records it.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { itemKeyProblem } from '~/common/item-key';
import { placeholders, type StepSpec } from '~/common/pipeline-spec';
import {
  RUN_LEVEL_ITEM,
  type SensorPoke,
  type StepOutput,
  type StepRequest,
  type StepResult,
} from '~/common/run-contract';
import { resultAt, stepResultSizeProblem } from '~/common/step-output';
import type { Db } from '~/server/db';
import type { StepStatus } from '~/server/generated/prisma/enums';
import { type ModelPool, ModelUnservableError } from '~/workers/models/model-pool';
import { WeightsUnavailableError } from '~/workers/models/model-weights';
import { RunnerCrashedError, RunnerRequestError } from '~/workers/models/runner-process';
import type { Slots } from '~/workers/gpu-slots';
import { BoundedLog, runCommand } from './command';
import type { ArtifactKeeper } from './artifacts';
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
  artifacts: ArtifactKeeper;
  /** The S3 client (S3 sensors), built on first use. */
  s3?: () => S3Client;
  /** Resident model runners (builtins' ctx.infer). */
  models?: ModelPool;
  /** The GPU pool: a step executes only while it holds one of these (GPU workers). */
  slots?: Slots;
}

/** Where an attempt reads the outputs of the steps it needs, and writes its own JSON result (beside its output dir). */
interface AttemptFiles {
  outDir: string;
  inputsFile: string;
  resultFile: string;
}

/** Exit code a step program uses to say its input is bad (sysexits' EX_DATAERR): retrying cannot help. */
export const EXIT_BAD_INPUT = 65;

// Step programs see only these variables of the worker's environment (no database URL, no tokens).
const INHERITED_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'CUDA_VISIBLE_DEVICES',
  'PYTHONPATH',
  'VIRTUAL_ENV',
];

function where(req: StepRequest): string {
  return req.itemKey === RUN_LEVEL_ITEM
    ? `run-level step "${req.step.id}"`
    : `item "${req.itemKey}", step "${req.step.id}"`;
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
  ): Promise<unknown> {
    const { step } = req;
    const { outDir } = files;
    switch (step.kind) {
      case 'noop':
        return undefined;
      case 'sensor':
        throw ApplicationFailure.nonRetryable(`${where(req)}: a sensor is checked by pokeSensor, not run`, 'BadInput');
      case 'builtin': {
        const builtin = deps.builtins[step.builtin!];
        if (!builtin)
          throw ApplicationFailure.nonRetryable(`${where(req)}: unknown builtin "${step.builtin}"`, 'BadInput');
        try {
          return await builtin({
            db: deps.db,
            runId: req.runId,
            itemKey: req.itemKey,
            stepId: step.id,
            params: req.params,
            args: Object.fromEntries(
              Object.entries(step.args ?? {}).map(([name, value]) => [name, substitute(value, req, files, attempt)]),
            ),
            outDir,
            inputDirs: Object.fromEntries(
              req.needs.map((n) => [n.id, neededOutputDir(deps.dataDir, req.runId, req.itemKey, n)]),
            ),
            results: Object.fromEntries(
              Object.entries(req.inputs ?? {})
                .filter(([, o]) => o.result !== undefined)
                .map(([id, o]) => [id, o.result]),
            ),
            models: req.models,
            log: (line) => log.append(`${line}\n`),
            infer: inferFor(req),
          });
        } catch (err) {
          if (err instanceof BadInputError)
            throw ApplicationFailure.nonRetryable(`${where(req)}: bad input: ${err.message}`, 'BadInput');
          if (
            err instanceof ModelUnservableError ||
            err instanceof RunnerRequestError ||
            err instanceof WeightsUnavailableError
          )
            throw ApplicationFailure.nonRetryable(`${where(req)}: ${err.message}`, err.name);
          // a crashed runner is restarted on the next attempt
          if (err instanceof RunnerCrashedError)
            throw ApplicationFailure.retryable(`${where(req)}: ${err.message}`, err.name);
          throw err;
        }
      }
      case 'command': {
        const argv = step.command!.map((arg) => substitute(arg, req, files, attempt));
        const result = await runCommand(argv, {
          cwd: deps.stepCwd,
          env: commandEnv(req, files, attempt),
          timeoutMs: step.timeouts.startToCloseMs,
          signal,
          log,
        });
        if (result.aborted) throw new CancelledFailure('cancelled');
        const reason = log.lastLine();
        if (result.timedOut)
          throw ApplicationFailure.retryable(
            `${where(req)}: timed out after ${step.timeouts.startToCloseMs} ms`,
            'StepTimedOut',
          );
        if (result.exitCode === EXIT_BAD_INPUT)
          throw ApplicationFailure.nonRetryable(
            `${where(req)}: bad input: ${reason || 'the step reported bad input'}`,
            'BadInput',
          );
        if (result.exitCode !== 0)
          throw ApplicationFailure.retryable(
            `${where(req)}: exited with ${result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`}${reason ? `: ${reason}` : ''}`,
            'StepFailed',
          );
        return undefined;
      }
      default: {
        const unreachable: never = step.kind;
        throw new Error(`unknown step kind ${String(unreachable)}`);
      }
    }
  }

  function substitute(arg: string, req: StepRequest, files: AttemptFiles | undefined, attempt: number): string {
    let out = arg;
    for (const name of placeholders(arg)) {
      out = out.replace(`{${name}}`, placeholderValue(name, req, files, attempt));
    }
    return out;
  }

  function placeholderValue(name: string, req: StepRequest, files: AttemptFiles | undefined, attempt: number): string {
    if (name === 'item') return req.itemKey;
    if (name === 'run') return req.runId;
    if (name === 'out' && files) return files.outDir;
    if (name === 'inputs' && files) return files.inputsFile;
    if (name === 'result' && files) return files.resultFile;
    if (name === 'attempt') return String(attempt);
    if (name === 'runDir') return runDir(deps.dataDir, req.runId);
    if (name.startsWith('in.')) {
      const [id, field, ...path] = name.slice(3).split('.');
      const needed = req.needs.find((n) => n.id === id);
      if (needed && field === undefined) return neededOutputDir(deps.dataDir, req.runId, req.itemKey, needed);
      if (needed && field === 'result') {
        const value = resultAt(req.inputs?.[id!]?.result, path);
        if (value !== undefined) return typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    if (name.startsWith('model.')) {
      const model = req.models[req.step.id];
      if (model)
        return name === 'model.uri' ? model.artifactUri : name === 'model.name' ? model.name : String(model.version);
    }
    if (name.startsWith('params.')) {
      const value = req.params[name.slice(7)];
      if (value !== undefined) return typeof value === 'string' ? value : JSON.stringify(value);
    }
    throw ApplicationFailure.nonRetryable(`${where(req)}: placeholder {${name}} has no value`, 'BadInput');
  }

  function commandEnv(req: StepRequest, files: AttemptFiles, attempt: number): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
    return {
      ...env,
      ...req.step.env,
      BREWLINE_RUN_ID: req.runId,
      BREWLINE_ITEM: req.itemKey,
      BREWLINE_STEP: req.step.id,
      BREWLINE_ATTEMPT: String(attempt),
      BREWLINE_OUTPUT_DIR: files.outDir,
      BREWLINE_INPUTS_FILE: files.inputsFile,
      BREWLINE_RESULT_FILE: files.resultFile,
      ...(req.models[req.step.id]
        ? {
            BREWLINE_MODEL_NAME: req.models[req.step.id]!.name,
            BREWLINE_MODEL_VERSION: String(req.models[req.step.id]!.version),
            BREWLINE_MODEL_URI: req.models[req.step.id]!.artifactUri,
          }
        : {}),
    };
  }

  async function sensorHolds(req: StepRequest): Promise<{ met: boolean; what: string }> {
    const { check } = req.step.sensor!;
    const fill = (text: string) => substitute(text, req, undefined, 1);
    switch (check.type) {
      case 'file': {
        const target = path.resolve(deps.stepCwd, fill(check.path));
        const dir = path.dirname(target);
        const pattern = path.basename(target);
        if (!/[*?]/.test(pattern))
          return {
            met: await stat(target).then(
              () => true,
              () => false,
            ),
            what: `file ${target}`,
          };
        const re = globRegExp(pattern);
        const names = await readdir(dir).catch(() => [] as string[]);
        return { met: names.some((n) => re.test(n)), what: `a file matching ${target}` };
      }
      case 's3': {
        if (!deps.s3)
          throw ApplicationFailure.nonRetryable(
            `${where(req)}: this worker has no S3 client for the S3 sensor`,
            'BadInput',
          );
        const key = fill(check.key);
        const slash = key.lastIndexOf('/');
        const [prefix, pattern] = [key.slice(0, slash + 1), key.slice(slash + 1)];
        const glob = /[*?]/.test(pattern);
        const re = globRegExp(pattern);
        const listed = await deps
          .s3()
          .send(new ListObjectsV2Command({ Bucket: check.bucket, Prefix: glob ? prefix : key, MaxKeys: 1000 }));
        const met = (listed.Contents ?? []).some(
          (o) =>
            o.Key !== undefined &&
            (glob ? o.Key.startsWith(prefix) && re.test(o.Key.slice(prefix.length)) : o.Key === key),
        );
        return { met, what: `${glob ? 'an object matching ' : ''}s3://${check.bucket}/${key}` };
      }
      case 'http': {
        const url = fill(check.url);
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
        return { met: !!res?.ok, what: `${url} answering 2xx${res ? ` (got ${res.status})` : ''}` };
      }
      case 'sql': {
        const url = process.env[check.databaseEnv];
        if (!url)
          throw ApplicationFailure.nonRetryable(
            `${where(req)}: the worker has no ${check.databaseEnv} for the SQL sensor`,
            'BadInput',
          );
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

  /** A builtin's ctx.infer: this step's model through the worker's resident runners, progress counted per attempt. */
  function inferFor(req: StepRequest): (inputs: unknown[]) => Promise<unknown[]> {
    let inferred = 0;
    return async (inputs) => {
      const model = req.models[req.step.id];
      if (!model) throw new BadInputError(`step "${req.step.id}" names no model to infer with`);
      if (!deps.models) throw new ModelUnservableError('this worker runs no models');
      const outputs = await deps.models.infer(model, inputs);
      // progress for Temporal: a stuck runner shows as a heartbeat timeout, and the attempt is retried
      inferred += outputs.length;
      Context.current().heartbeat({ inferred });
      return outputs;
    };
  }

  /** Fetches and checks the files of the needed steps; writes their results where the step can read them. */
  async function prepareInputs(req: StepRequest, files: AttemptFiles): Promise<void> {
    const inputs = req.inputs ?? {};
    for (const need of req.needs) {
      const ref = inputs[need.id]?.artifacts;
      if (!ref) continue;
      const source = {
        runId: ref.runId ?? req.runId,
        itemKey: need.scope === 'item' ? req.itemKey : RUN_LEVEL_ITEM,
        stepId: need.id,
      };
      await deps.artifacts.materialize(
        source,
        ref,
        neededOutputDir(deps.dataDir, req.runId, req.itemKey, need),
        where(req),
      );
    }
    if (req.step.kind === 'command') {
      const view = Object.fromEntries(
        req.needs.map((n) => [
          n.id,
          {
            dir: neededOutputDir(deps.dataDir, req.runId, req.itemKey, n),
            result: inputs[n.id]?.result ?? null,
            files: inputs[n.id]?.artifacts?.count ?? 0,
          },
        ]),
      );
      await writeFile(files.inputsFile, JSON.stringify(view));
    }
  }

  async function readResultFile(req: StepRequest, file: string): Promise<unknown> {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) return undefined;
    checkResultSize(req, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw ApplicationFailure.nonRetryable(
        `${where(req)}: its result file is not valid JSON: ${(err as Error).message}`,
        'BadResult',
      );
    }
  }

  function checkResultSize(req: StepRequest, serialised: string): void {
    const problem = stepResultSizeProblem(Buffer.byteLength(serialised));
    if (problem) throw ApplicationFailure.nonRetryable(`${where(req)}: ${problem}`, 'StepResultTooLarge');
  }

  return {
    async pokeSensor({ request: req, poke, timedOut }: SensorPoke): Promise<boolean> {
      const ctx = Context.current();
      const key: AttemptKey = {
        runId: req.runId,
        itemKey: req.itemKey,
        stepId: req.step.id,
        attempt: 1 + (req.previousAttempts ?? 0),
      };
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
        await recorder.finished(key, {
          status: 'succeeded',
          log: `check ${poke}: ${what}: condition holds`,
          logTruncated: false,
        });
      } else await recorder.waiting(key, ctx.info.taskQueue, deps.workerIdentity, `check ${poke}: waiting for ${what}`);
      return met;
    },

    async runStep(req: StepRequest): Promise<StepResult> {
      const ctx = Context.current();
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
      const finalDir = stepOutputDir(deps.dataDir, req.runId, req.itemKey, step.id);
      // Each attempt writes to its own directory, promoted on success: a dead attempt's orphan never mixes in.
      const attemptDir = `${finalDir}.attempt-${attempt}`;
      const files: AttemptFiles = {
        outDir: attemptDir,
        inputsFile: `${attemptDir}.inputs.json`,
        resultFile: `${attemptDir}.result.json`,
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
      // heartbeats tell Temporal this worker is alive, whatever the step does and while it waits for a GPU slot; a dead
      // worker's attempt is retried
      const heartbeat =
        step.kind === 'noop' && !deps.slots
          ? undefined
          : setInterval(() => ctx.heartbeat(), Math.max(100, Math.min(step.timeouts.heartbeatMs / 3, 5_000)));
      try {
        const output: StepOutput = {};
        if (step.kind !== 'noop') {
          await Promise.all([rm(attemptDir, { recursive: true, force: true }), rm(files.resultFile, { force: true })]);
          await mkdir(attemptDir, { recursive: true });
          await prepareInputs(req, files);
        }
        if (deps.slots) release = await deps.slots.acquire(ctx.cancellationSignal, ctx.info.priority?.priorityKey);
        const began = Date.now();
        // a failed write surfaces when it is awaited below, not as an unhandled rejection now
        record().catch(() => {});
        const returned = await execute(req, files, log, attempt, abort.signal);
        endedAt = new Date();
        release?.();
        await recorded;
        if (step.kind !== 'noop') {
          if (returned !== undefined) checkResultSize(req, JSON.stringify(returned) ?? '');
          output.result = returned !== undefined ? returned : await readResultFile(req, files.resultFile);
          await rm(finalDir, { recursive: true, force: true });
          await rename(attemptDir, finalDir);
          await Promise.all([rm(files.inputsFile, { force: true }), rm(files.resultFile, { force: true })]);
          output.artifacts = await deps.artifacts.capture(key, finalDir);
        }
        await recorder.finished(key, {
          status: 'succeeded',
          log: log.text(),
          logTruncated: log.truncated,
          result: output.result,
          endedAt,
        });
        return { stepId: step.id, durationMs: endedAt.getTime() - began, output: dropUndefined(output) };
      } catch (err) {
        endedAt ??= new Date();
        release?.();
        const status = failedStatus(err, ctx.info.attempt, step);
        const message = err instanceof Error ? err.message : String(err);
        await record()
          .then(() =>
            recorder.finished(key, { status, error: message, log: log.text(), logTruncated: log.truncated, endedAt }),
          )
          .catch(() => {});
        throw err;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

/** A file-name pattern with * and ? (no "/"). */
function globRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
}

function dropUndefined(output: StepOutput): StepOutput {
  return Object.fromEntries(Object.entries(output).filter(([, v]) => v !== undefined));
}

function failedStatus(err: unknown, attempt: number, step: StepSpec): StepStatus {
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof ApplicationFailure && err.nonRetryable) return 'failed';
  return attempt >= step.retry.maxAttempts ? 'failed' : 'retrying';
}
