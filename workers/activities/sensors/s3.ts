// An S3 sensor: the object exists in S3-compatible storage (the worker's BREWLINE_S3_* settings); the key's last
// segment may use * and ?.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { globRegExp, hasGlob } from './glob';
import type { SensorContext, SensorReading } from './types';

export async function checkS3(
  check: { bucket: string; key: string },
  ctx: SensorContext,
  deps: { s3?: () => S3Client },
): Promise<SensorReading> {
  if (!deps.s3)
    throw ApplicationFailure.nonRetryable(`${ctx.where}: this worker has no S3 client for the S3 sensor`, 'BadInput');
  const key = ctx.fill(check.key);
  const slash = key.lastIndexOf('/');
  const [prefix, pattern] = [key.slice(0, slash + 1), key.slice(slash + 1)];
  const glob = hasGlob(pattern);
  const re = globRegExp(pattern);
  const listed = await deps
    .s3()
    .send(new ListObjectsV2Command({ Bucket: check.bucket, Prefix: glob ? prefix : key, MaxKeys: 1000 }));
  const met = (listed.Contents ?? []).some(
    (o) =>
      o.Key !== undefined && (glob ? o.Key.startsWith(prefix) && re.test(o.Key.slice(prefix.length)) : o.Key === key),
  );
  return { met, what: `${glob ? 'an object matching ' : ''}s3://${check.bucket}/${key}` };
}
