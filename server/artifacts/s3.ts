// The one way we build an S3 client: AWS S3 or any S3-compatible store (MinIO, R2, Ceph), from configuration.
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '~/server/env';

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    // S3-compatible stores differ in the newer checksum headers; we keep our own sha256 of every object
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** s3://bucket/key → its parts; null for anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}
