// A step's files and the artifact store: after an attempt succeeds its output files are checksummed, kept in the
// store and listed in the database; before a step runs, the files of the steps it needs are checked against
// those checksums (and fetched from the store when this machine lacks them).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { RUN_LEVEL_ITEM, type ArtifactSetRef } from '~/common/run-contract';
import { artifactDigest } from '~/server/artifacts/outputs';
import { contentTypeOf, type ArtifactStore } from '~/server/artifacts/store';
import type { Db } from '~/server/db';
import type { AttemptKey } from './step-recorder';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

export function artifactKey(key: AttemptKey, name: string): string {
  return [
    'runs',
    key.runId,
    key.itemKey === RUN_LEVEL_ITEM ? '_run' : `items/${key.itemKey}`,
    key.stepId,
    String(key.attempt),
    name,
  ].join('/');
}

export function createArtifactKeeper(db: Db, store: ArtifactStore) {
  return {
    /** Keeps every file of a succeeded attempt's output directory; undefined when it wrote none. */
    async capture(key: AttemptKey, dir: string): Promise<ArtifactSetRef | undefined> {
      const names = await filesUnder(dir);
      if (names.length === 0) return undefined;
      const rows = [];
      for (const name of names) {
        const file = path.join(dir, name);
        const [sha256, { size }] = await Promise.all([sha256File(file), stat(file)]);
        const contentType = contentTypeOf(name);
        const uri = await store.put(artifactKey(key, name), file, { contentType, sha256 });
        rows.push({ ...key, name, size: BigInt(size), sha256, contentType, uri });
      }
      const files = rows.map((r) => ({ name: r.name, size: Number(r.size), sha256: r.sha256 }));
      const bytes = files.reduce((n, f) => n + f.size, 0);
      const where = { runId: key.runId, itemKey: key.itemKey, stepId: key.stepId, attempt: key.attempt };
      await db.$transaction([
        db.artifact.deleteMany({ where }),
        db.artifact.createMany({ data: rows }),
        db.stepRun.updateMany({ where, data: { artifactCount: rows.length, artifactBytes: BigInt(bytes) } }),
      ]);
      return { attempt: key.attempt, count: rows.length, bytes, digest: artifactDigest(files) };
    },

    /**
     * Makes the files of a needed step's attempt present and intact in `dir`: each is checked against its
     * recorded checksum and fetched from the store when missing or different. Anything else is a bad input.
     */
    async materialize(
      source: Omit<AttemptKey, 'attempt'>,
      ref: ArtifactSetRef,
      dir: string,
      who: string,
    ): Promise<void> {
      const rows = await db.artifact.findMany({ where: { ...source, attempt: ref.attempt }, orderBy: { name: 'asc' } });
      const files = rows.map((r) => ({ name: r.name, size: Number(r.size), sha256: r.sha256 }));
      if (rows.length !== ref.count || artifactDigest(files) !== ref.digest)
        throw ApplicationFailure.nonRetryable(
          `${who}: the files of step "${source.stepId}" (attempt ${ref.attempt}) no longer match the ones it produced`,
          'ArtifactMismatch',
        );
      for (const row of rows) {
        const file = path.join(dir, row.name);
        if ((await sha256File(file).catch(() => null)) === row.sha256) continue;
        // fetched beside it and renamed into place: items needing the same files may fetch them at the same time
        const part = `${file}.${randomUUID()}.part`;
        await store.download(row.uri, part).catch(async (err: Error) => {
          await rm(part, { force: true });
          throw ApplicationFailure.retryable(
            `${who}: cannot fetch ${row.name} of step "${source.stepId}" from the artifact store: ${err.message}`,
            'ArtifactMissing',
          );
        });
        if ((await sha256File(part)) !== row.sha256) {
          await rm(part, { force: true });
          throw ApplicationFailure.nonRetryable(
            `${who}: ${row.name} of step "${source.stepId}" fails its checksum in the artifact store`,
            'ArtifactMismatch',
          );
        }
        await rename(part, file);
      }
    },
  };
}
export type ArtifactKeeper = ReturnType<typeof createArtifactKeeper>;
