// What succeeded steps handed on, read back from the database: their JSON results and their files by reference.
// Used when a retried run reuses the outputs of steps that already succeeded, and when a notebook cell runs on
// its own with the stored outputs of the cells above it.
import { createHash } from 'node:crypto';
import type { StepOutput } from '~/common/run-contract';
import type { Db } from '~/server/db';

export interface ArtifactFileSum {
  name: string;
  size: number;
  sha256: string;
}

/** One digest for a set of files, independent of listing order. */
export function artifactDigest(files: ArtifactFileSum[]): string {
  const lines = files.map((f) => `${f.name}\t${f.sha256}\t${f.size}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/** The latest succeeded attempt of each step of one item (or "" for run-level steps), with what it handed on. */
export async function storedOutputs(db: Db, runId: string, itemKey: string, stepIds?: string[]) {
  const succeeded = await db.stepRun.findMany({
    where: { runId, itemKey, status: 'succeeded', ...(stepIds ? { stepId: { in: stepIds } } : {}) },
    select: { stepId: true, attempt: true, result: true, artifactCount: true, artifactBytes: true },
    orderBy: [{ stepId: 'asc' }, { attempt: 'desc' }],
    distinct: ['stepId'],
  });
  // the files of every step that wrote some, in one query
  const withFiles = succeeded.filter((s) => s.artifactCount > 0);
  const files = withFiles.length
    ? await db.artifact.findMany({
        where: { runId, itemKey, OR: withFiles.map((s) => ({ stepId: s.stepId, attempt: s.attempt })) },
        select: { stepId: true, name: true, size: true, sha256: true },
      })
    : [];
  const outputs: Record<string, StepOutput> = {};
  for (const step of succeeded) {
    const output: StepOutput = {};
    if (step.result !== null) output.result = step.result;
    if (step.artifactCount > 0) {
      const list = files
        .filter((f) => f.stepId === step.stepId)
        .map((f) => ({ name: f.name, size: Number(f.size), sha256: f.sha256 }));
      output.artifacts = {
        attempt: step.attempt,
        count: list.length,
        bytes: Number(step.artifactBytes),
        digest: artifactDigest(list),
      };
    }
    if (Object.keys(output).length > 0) outputs[step.stepId] = output;
  }
  return { succeeded: succeeded.map((s) => s.stepId), outputs };
}
