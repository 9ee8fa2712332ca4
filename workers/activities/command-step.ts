// A command step: its argv with placeholders filled, run (command.ts) in the allow-listed environment with the
// attempt's BREWLINE_* variables; its exit becomes the attempt's outcome.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepRequest } from '~/common/run-contract';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Environment, inheritedEnv } from '~/workers/child-env';
import { grantToStep, pythonEnvMounts, type StepSandbox } from '~/workers/sandbox/sandbox';
import type { AttemptFiles } from './attempt-files';
import { type BoundedLog, runCommand } from './command';
import { neededOutputDir, stepSharedDir } from './step-dirs';
import { badInput, where } from './step-failures';
import { fillStepPlaceholders } from './step-placeholders';

/** Exit code a step program uses to say its input is bad (sysexits' EX_DATAERR): retrying cannot help. */
export const EXIT_BAD_INPUT = 65;

export interface CommandStep {
  req: StepRequest;
  attempt: number;
  files: AttemptFiles;
  log: BoundedLog;
  signal: AbortSignal;
  /** The step's granted secrets and connection, decrypted (step-secrets.ts). */
  secretEnv?: Record<string, string>;
  /** What runs instead of the step's `command` (a code cell's interpreter and file: workers/cells). */
  program?: StepProgram;
}

/** A program a step runs: its argv, variables beside the attempt's, and folders it reads besides the usual. */
export interface StepProgram {
  argv: string[];
  env: Record<string, string>;
  readOnly: string[];
}

export interface CommandStepDeps {
  dataDir: string;
  /** Working directory of step commands (relative script paths resolve against it). */
  cwd: string;
  /** The worker's environment, of which the command sees only the allow-list (workers/child-env.ts). */
  environment: Environment;
  /** The worker's sandbox: on (and working, or the reason it is not), or off by the admin's choice. */
  sandbox: StepSandbox;
}

export async function runCommandStep(run: CommandStep, deps: CommandStepDeps): Promise<void> {
  const { req, attempt, files, log } = run;
  const { step } = req;
  const argv =
    run.program?.argv ??
    step.command!.map((arg) => fillStepPlaceholders(arg, { req, dataDir: deps.dataDir, attempt, files }));
  if (deps.sandbox.mode === 'on' && deps.sandbox.unavailable)
    throw ApplicationFailure.nonRetryable(`${where(req)}: not run: ${deps.sandbox.unavailable}`, 'SandboxUnavailable');
  const sandboxed = deps.sandbox.mode === 'on';
  // the run's shared folder ({runDir}) is there for the steps that name it
  const shared = run.program || usesRunDir(req) ? stepSharedDir(deps.dataDir, req) : undefined;
  // a cell run reads the shared folder of the run that fed it, and leaves it as it was
  const lent = !!req.runDirOf;
  if (shared && !lent) await mkdir(shared, { recursive: true });
  if (sandboxed)
    await Promise.all([
      grantToStep(files.outDir),
      grantToStep(files.ioDir),
      ...(shared && !lent ? [grantToStep(shared)] : []),
    ]);
  const env = { ...commandEnv(req, files, attempt, deps.environment, run.secretEnv), ...run.program?.env };
  const result = await runCommand(argv, {
    cwd: deps.cwd,
    env: sandboxed ? { ...env, HOME: '/tmp', TMPDIR: '/tmp' } : env,
    timeoutMs: step.timeouts.startToCloseMs,
    signal: run.signal,
    log,
    sandbox: sandboxed
      ? {
          mounts: sandboxMounts(req, files, deps, shared, lent, run.program?.readOnly),
          network: step.network !== false,
        }
      : undefined,
  });
  if (result.aborted) throw new CancelledFailure('cancelled');
  const reason = log.lastLine();
  if (result.timedOut)
    throw ApplicationFailure.retryable(
      `${where(req)}: timed out after ${step.timeouts.startToCloseMs} ms`,
      'StepTimedOut',
    );
  if (result.exitCode === EXIT_BAD_INPUT) throw badInput(req, `bad input: ${reason || 'the step reported bad input'}`);
  if (result.exitCode !== 0) {
    const exit = result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`;
    throw ApplicationFailure.retryable(
      `${where(req)}: exited with ${exit}${reason ? `: ${reason}` : ''}`,
      'StepFailed',
    );
  }
}

function commandEnv(
  req: StepRequest,
  files: AttemptFiles,
  attempt: number,
  environment: Environment,
  secretEnv: Record<string, string> = {},
): Record<string, string> {
  const model = req.models[req.step.id];
  return {
    ...inheritedEnv(environment),
    ...req.step.env,
    // the secrets and connection it is granted; the attempt's own variables below cannot be overridden
    ...secretEnv,
    BREWLINE_RUN_ID: req.runId,
    BREWLINE_ITEM: req.itemKey,
    BREWLINE_STEP: req.step.id,
    BREWLINE_ATTEMPT: String(attempt),
    BREWLINE_OUTPUT_DIR: files.outDir,
    BREWLINE_INPUTS_FILE: files.inputsFile,
    BREWLINE_RESULT_FILE: files.resultFile,
    ...(model
      ? {
          BREWLINE_MODEL_NAME: model.name,
          BREWLINE_MODEL_VERSION: String(model.version),
          BREWLINE_MODEL_URI: model.artifactUri,
        }
      : {}),
  };
}

/** What a step's sandbox shows besides the system: its program folder (without the data folder), its Python
 * environment and the node running it, its inputs (read-only), and its output folder and result file (writable). */
function sandboxMounts(
  req: StepRequest,
  files: AttemptFiles,
  deps: CommandStepDeps,
  shared: string | undefined,
  lent: boolean,
  extra: string[] = [],
) {
  const dataDir = path.resolve(deps.dataDir);
  return {
    readOnly: [
      ...extra,
      ...(shared && lent && existsSync(shared) ? [shared] : []),
      deps.cwd,
      path.dirname(process.execPath),
      ...pythonEnvMounts(path.join(deps.cwd, '.venv')),
      ...req.needs.map((n) => neededOutputDir(dataDir, req.runId, req.itemKey, n)),
      files.inputsFile,
    ],
    writable: [files.outDir, files.ioDir, ...(shared && !lent ? [shared] : []), ...deps.sandbox.sharedDirs],
    hidden: [dataDir, path.join(deps.cwd, '.data')],
  };
}

const usesRunDir = (req: StepRequest) =>
  [...(req.step.command ?? []), ...Object.values(req.step.env)].some((text) => text.includes('{runDir}'));
