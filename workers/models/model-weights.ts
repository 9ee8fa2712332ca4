// Where a runner reads a model version's weights. A local path or file:// URI is used as it is; an s3:// URI (a
// folder written by save_pretrained, or one file) is fetched once into the worker's cache and the runner gets the
// local copy. A fetch lands in a temporary folder renamed into place when complete, so a crash mid-download never
// leaves a half model that a later load would take for whole.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '~/server/artifacts/s3';

export type WeightsResolver = (artifactUri: string) => Promise<string>;

/** Weights that cannot be had (no such object, no S3 configured): retrying the step does not help. */
export class WeightsUnavailableError extends Error {
  override name = 'WeightsUnavailableError';
}

export function createWeightsResolver(opts: { cacheDir: string; s3?: () => S3Client }): WeightsResolver {
  const fetching = new Map<string, Promise<string>>();
  return (uri) => {
    if (!uri.startsWith('s3://')) return Promise.resolve(uri);
    let pending = fetching.get(uri);
    if (!pending) {
      pending = fetchS3(uri).finally(() => fetching.delete(uri));
      fetching.set(uri, pending);
    }
    return pending;
  };

  async function fetchS3(uri: string): Promise<string> {
    const where = parseS3Uri(uri.replace(/\/+$/, ''));
    if (!where) throw new WeightsUnavailableError(`artifactUri ${uri} is not s3://bucket/key`);
    if (!opts.s3)
      throw new WeightsUnavailableError(`artifactUri ${uri}: this worker has no S3 settings (BREWLINE_S3_*)`);
    const client = opts.s3();
    const target = path.join(opts.cacheDir, createHash('sha256').update(uri).digest('hex').slice(0, 24));
    if (existsSync(target)) return cached(target);

    // a folder: every object under key/; else the one object key
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: where.bucket, Prefix: `${where.key}/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const single = keys.length === 0;
    const files = single
      ? [{ key: where.key, rel: path.posix.basename(where.key) }]
      : keys.map((key) => ({ key, rel: key.slice(where.key.length + 1) }));
    for (const f of files) {
      if (f.rel.split('/').some((part) => part === '' || part === '.' || part === '..'))
        throw new WeightsUnavailableError(`artifactUri ${uri}: object ${f.key} has an unsafe name`);
    }

    const part = `${target}.part-${randomUUID().slice(0, 8)}`;
    try {
      for (const f of files) {
        const res = await client
          .send(new GetObjectCommand({ Bucket: where.bucket, Key: f.key }))
          .catch((err: Error & { name?: string }) => {
            if (err.name === 'NoSuchKey')
              throw new WeightsUnavailableError(`artifactUri ${uri}: no such object or folder`);
            throw err;
          });
        const file = path.join(part, ...f.rel.split('/'));
        await mkdir(path.dirname(file), { recursive: true });
        await pipeline(res.Body as Readable, createWriteStream(file));
      }
      await writeFile(path.join(part, MANIFEST), JSON.stringify({ uri, file: single ? files[0]!.rel : null }));
      await rename(part, target).catch(async (err: NodeJS.ErrnoException) => {
        // another worker process finished the same fetch first: keep its copy
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await rm(part, { recursive: true, force: true });
      });
    } catch (err) {
      await rm(part, { recursive: true, force: true });
      throw err;
    }
    return cached(target);
  }
}

const MANIFEST = '.brewline-weights.json';

/** A cached fetch: its folder, or the one file in it when the URI named a file. */
async function cached(dir: string): Promise<string> {
  const { file } = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as { file: string | null };
  return file ? path.join(dir, file) : dir;
}
