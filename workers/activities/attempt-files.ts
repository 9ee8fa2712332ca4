// Where one attempt of a step reads and writes: an output directory of its own, promoted to the step's on success
// (a dead attempt's files never mix in); the inputs of the steps it needs; and the JSON result it hands on.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { isCodeKind } from '~/common/pipeline-spec';
import { RUN_LEVEL_ITEM, type StepRequest } from '~/common/run-contract';
import { stepResultSizeProblem } from '~/common/step-output';
import type { ArtifactKeeper } from './artifacts';
import { where } from './step-failures';
import { neededOutputDir } from './step-dirs';

/** The attempt's output dir, and beside it a folder with the view of its inputs a command reads and the result file
 * it writes (a folder, so that the sandbox can show it to the step writable, and nothing else beside it). */
export interface AttemptFiles {
  outDir: string;
  ioDir: string;
  inputsFile: string;
  resultFile: string;
}

export function attemptFiles(stepDir: string, attempt: number): AttemptFiles {
  const outDir = `${stepDir}.attempt-${attempt}`;
  const ioDir = `${outDir}.io`;
  return { outDir, ioDir, inputsFile: path.join(ioDir, 'inputs.json'), resultFile: path.join(ioDir, 'result.json') };
}

/** An empty output dir: what an earlier try of the same attempt left is removed. */
export async function clearAttemptFiles(files: AttemptFiles): Promise<void> {
  await Promise.all([
    rm(files.outDir, { recursive: true, force: true }),
    rm(files.ioDir, { recursive: true, force: true }),
  ]);
  await Promise.all([mkdir(files.outDir, { recursive: true }), mkdir(files.ioDir, { recursive: true })]);
}

/** Fetches and checks the files of the needed steps; writes their results where a command can read them. */
export async function fetchInputs(
  req: StepRequest,
  files: AttemptFiles,
  deps: { dataDir: string; artifacts: ArtifactKeeper },
): Promise<void> {
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
  if (req.step.kind === 'command' || isCodeKind(req.step.kind)) {
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

/** What the step hands on: what a builtin returned, else what a command wrote to its result file (if anything). */
export async function attemptResult(req: StepRequest, files: AttemptFiles, returned: unknown): Promise<unknown> {
  if (returned !== undefined) {
    checkResultSize(req, JSON.stringify(returned) ?? '');
    return returned;
  }
  const text = await readFile(files.resultFile, 'utf8').catch(() => null);
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

/** The attempt's output dir becomes the step's; its inputs and result files go. */
export async function promoteAttemptFiles(files: AttemptFiles, stepDir: string): Promise<void> {
  await rm(stepDir, { recursive: true, force: true });
  await rename(files.outDir, stepDir);
  await rm(files.ioDir, { recursive: true, force: true });
}

function checkResultSize(req: StepRequest, serialised: string): void {
  const problem = stepResultSizeProblem(Buffer.byteLength(serialised));
  if (problem) throw ApplicationFailure.nonRetryable(`${where(req)}: ${problem}`, 'StepResultTooLarge');
}
