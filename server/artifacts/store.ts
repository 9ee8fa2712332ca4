// The artifact store: where the files steps write are kept, by key, in a local directory (the default) or an
// S3-compatible bucket. Workers put and fetch; the API streams them to the portal. Checksums are ours (sha256,
// recorded in the database), so any store will do.
import { createReadStream, createWriteStream } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AppConfig, ArtifactStoreConfig, S3Config } from '~/server/env';
import { createS3Client, parseS3Uri } from './s3';

export interface ArtifactStore {
  readonly kind: 'local' | 's3';
  /** Keeps a local file under a key; returns its URI. */
  put(key: string, file: string, meta: { contentType: string; sha256: string }): Promise<string>;
  /** Copies a stored object to a local file. */
  download(uri: string, file: string): Promise<void>;
  /** The bytes of a stored object. */
  open(uri: string): Promise<Readable>;
}

export class ArtifactNotFoundError extends Error {}

export function createArtifactStore(config: ArtifactStoreConfig, s3?: S3Config | S3Client): ArtifactStore {
  if (config.kind === 'local') return localStore(path.resolve(config.dir));
  const client = s3 && 'send' in s3 ? s3 : createS3Client(s3 ?? { region: 'us-east-1', forcePathStyle: false });
  return s3Store(client, config.bucket, config.prefix);
}

function localStore(root: string): ArtifactStore {
  const inside = (uri: string): string => {
    const file = uri.startsWith('file:') ? fileURLToPath(uri) : '';
    if (!file || path.relative(root, file).startsWith('..') || path.isAbsolute(path.relative(root, file)))
      throw new ArtifactNotFoundError(`${uri} is not in the artifact directory ${root}`);
    return file;
  };
  return {
    kind: 'local',
    async put(key, file) {
      const dest = path.join(root, key);
      await mkdir(path.dirname(dest), { recursive: true });
      await rm(dest, { force: true });
      // a copy of its own (a copy-on-write clone where the file system can): a step that later edits its
      // inputs in place cannot change what was stored
      await copyFile(file, dest, fsConstants.COPYFILE_FICLONE);
      return pathToFileURL(dest).href;
    },
    async download(uri, file) {
      await mkdir(path.dirname(file), { recursive: true });
      await copyFile(inside(uri), file);
    },
    async open(uri) {
      const file = inside(uri);
      await stat(file).catch(() => {
        throw new ArtifactNotFoundError(`${uri} is missing from the artifact directory`);
      });
      return createReadStream(file);
    },
  };
}

function s3Store(client: S3Client, bucket: string, prefix: string): ArtifactStore {
  const object = async (uri: string): Promise<Readable> => {
    const where = parseS3Uri(uri);
    if (!where) throw new ArtifactNotFoundError(`${uri} is not an s3:// URI`);
    const res = await client
      .send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }))
      .catch((err: Error) => {
        throw err.name === 'NoSuchKey' ? new ArtifactNotFoundError(`${uri} is missing from the bucket`) : err;
      });
    return res.Body instanceof Readable ? res.Body : Readable.fromWeb(res.Body!.transformToWebStream() as never);
  };
  return {
    kind: 's3',
    async put(key, file, meta) {
      const { size } = await stat(file);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: meta.contentType,
          Metadata: { sha256: meta.sha256 },
        }),
      );
      return `s3://${bucket}/${prefix}${key}`;
    },
    async download(uri, file) {
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await object(uri), createWriteStream(file));
    },
    open: object,
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.parquet': 'application/vnd.apache.parquet',
  '.npy': 'application/x-npy',
  '.pt': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

let shared: { config: AppConfig; store: ArtifactStore } | undefined;
/** The server's artifact store (the API reads artifacts through it), built once per configuration. */
export function artifactStoreFor(config: AppConfig): ArtifactStore {
  if (shared?.config !== config)
    shared = {
      config,
      store: createArtifactStore(config.artifacts, config.artifacts.kind === 's3' ? config.s3 : undefined),
    };
  return shared.store;
}
