// A sensor step's condition, checked once per poke (pokeSensor): one module per kind of check.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SensorSpec } from '~/common/pipeline-spec';
import type { Environment } from '~/workers/child-env';
import { checkFile } from './file';
import { checkHttp } from './http';
import { checkS3 } from './s3';
import { checkSql } from './sql';
import type { SensorContext, SensorReading } from './types';

export type { SensorContext, SensorReading } from './types';

export interface SensorDeps {
  /** What relative file paths resolve against (the step commands' working directory). */
  cwd: string;
  /** The S3 client, built on first use. */
  s3?: () => S3Client;
  /** The worker's environment: a SQL sensor's database URL is one of its variables. */
  environment: Environment;
}

export function checkSensor(check: SensorSpec['check'], ctx: SensorContext, deps: SensorDeps): Promise<SensorReading> {
  switch (check.type) {
    case 'file':
      return checkFile(check, ctx, deps);
    case 's3':
      return checkS3(check, ctx, deps);
    case 'http':
      return checkHttp(check, ctx);
    case 'sql':
      return checkSql(check, ctx, deps);
    default: {
      const unreachable: never = check;
      throw new Error(`unknown sensor ${JSON.stringify(unreachable)}`);
    }
  }
}
