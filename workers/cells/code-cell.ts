// A code cell (kind python or shell): its code, stored by hash, is written beside the attempt and run in the
// pipeline's Python environment, inside the step sandbox, like any command step (command-step.ts). The cell reads
// its item, params, inputs and granted secrets through the `brewline` module (cells/python) or, in a shell cell,
// the BREWLINE_* variables; what it displays and the metrics it logs come back as events (cell-events.ts), and a
// cell given a model asks for inference over a socket (cell-channel.ts).
import { ApplicationFailure } from '@temporalio/common';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StepRequest } from '~/common/run-contract';
import { type CommandStep, type CommandStepDeps, runCommandStep } from '~/workers/activities/command-step';
import { inferenceFailure, inferenceFor } from '~/workers/activities/inference';
import { neededOutputDir, stepSharedDir } from '~/workers/activities/step-dirs';
import { badInput, where } from '~/workers/activities/step-failures';
import type { ModelPool } from '~/workers/models/model-pool';
import { pythonEnvMounts } from '~/workers/sandbox/sandbox';
import { openCellChannel, type CellChannel } from './cell-channel';
import type { CellEvents } from './cell-events';
import { type CellEnvironments, EnvironmentBuildError } from './environments';

/** How often a running cell's new output (log lines, displays) is handed on, for the notebook to show. */
const PROGRESS_MS = 250;

export interface CodeCellRun extends Omit<CommandStep, 'program'> {
  events: CellEvents;
  /** Called while the cell runs, when it may have new output. */
  progress: () => void;
  heartbeat: (details: { inferred: number }) => void;
}

export interface CodeCellDeps extends CommandStepDeps {
  environments: CellEnvironments;
  /** A cell's stored code by its hash (CellSource), or undefined. */
  code: (hash: string) => Promise<string | undefined>;
  models?: ModelPool;
}

export async function runCodeCell(run: CodeCellRun, deps: CodeCellDeps): Promise<void> {
  const { req, files } = run;
  const { step } = req;
  const code = step.code ?? (step.codeHash ? await deps.code(step.codeHash) : undefined);
  if (code === undefined) throw badInput(req, `its code (sha256 ${step.codeHash}) is not stored`);
  const envDir = await deps.environments.get(req.python?.requirements ?? []).catch((err: unknown) => {
    if (err instanceof EnvironmentBuildError) throw ApplicationFailure.nonRetryable(`${where(req)}: ${err.message}`);
    throw err;
  });

  const codeFile = path.join(files.ioDir, step.kind === 'shell' ? 'cell.sh' : 'cell.py');
  const contextFile = path.join(files.ioDir, 'context.json');
  const eventsFile = path.join(files.ioDir, 'events.jsonl');
  const model = req.models[step.id];
  await Promise.all([
    writeFile(codeFile, code),
    writeFile(
      contextFile,
      JSON.stringify({
        run: { id: req.runId, pipeline: req.pipelineSlug },
        item: req.itemKey,
        step: step.id,
        attempt: run.attempt,
        params: req.params,
        secrets: Object.fromEntries(Object.entries(step.secrets ?? {}).map(([env, name]) => [name, env])),
        model: model?.name ?? null,
      }),
    ),
  ]);

  // a socket's path is short (108 bytes at most): it lives in a folder of its own, not in the attempt's
  let channel: CellChannel | undefined;
  let socketDir: string | undefined;
  if (model) {
    socketDir = await mkdtemp(path.join(os.tmpdir(), 'brewline-cell-'));
    await chmod(socketDir, 0o711);
    const folders = [files.outDir, ...req.needs.map((n) => neededOutputDir(deps.dataDir, req.runId, req.itemKey, n))];
    channel = await openCellChannel(
      path.join(socketDir, 'infer.sock'),
      model.name,
      inferenceFor(req, deps.models, run.heartbeat, folders),
    );
  }

  const python = path.join(envDir, 'bin', 'python');
  const argv =
    step.kind === 'shell' ? ['bash', '-euo', 'pipefail', codeFile] : [python, '-u', '-m', 'brewline._cell', codeFile];
  const env: Record<string, string> = {
    PATH: `${path.join(envDir, 'bin')}:${deps.environment.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    VIRTUAL_ENV: envDir,
    PYTHONPATH: path.join(deps.cwd, 'cells', 'python'),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
    BREWLINE_CONTEXT_FILE: contextFile,
    BREWLINE_EVENTS_FILE: eventsFile,
    BREWLINE_RUN_DIR: stepSharedDir(deps.dataDir, req),
    ...(socketDir ? { BREWLINE_SOCKET: path.join(socketDir, 'infer.sock') } : {}),
  };
  const ticker = setInterval(() => {
    void run.events.read().then(
      () => run.progress(),
      () => {},
    );
  }, PROGRESS_MS);
  try {
    await runCommandStep(
      { ...run, program: { argv, env, readOnly: [...pythonEnvMounts(envDir), ...(socketDir ? [socketDir] : [])] } },
      deps,
    );
  } catch (err) {
    // a model that cannot serve fails the cell the way it fails a builtin (not retried), whatever the cell did
    const failure = channel?.failure();
    throw (failure !== undefined && modelFailure(req, failure)) || err;
  } finally {
    clearInterval(ticker);
    await channel?.close();
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    await run.events.finish();
  }
}

function modelFailure(req: StepRequest, err: unknown): ApplicationFailure | undefined {
  const failure = inferenceFailure(req, err);
  return failure?.nonRetryable ? failure : undefined;
}
