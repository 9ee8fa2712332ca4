// A sensor step's condition, checked once per poke (pokeSensor): one module per kind of check.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SensorSpec } from '~/common/pipeline-spec';
import { checkFile } from './file';
import { checkHttp } from './http';
import { checkS3 } from './s3';
import { type ConnectionResolver, checkSql } from './sql';
import type { SensorContext, SensorReading } from './types';
import type { EgressGuard } from '~/workers/egress';

export type { SensorContext, SensorReading } from './types';

export interface SensorDeps {
  /** What relative file paths resolve against (the step commands' working directory). */
  cwd: string;
  /** The S3 client, built on first use. */
  s3?: () => S3Client;
  /** A connection by name, decrypted (a SQL sensor's postgres connection). */
  connections: ConnectionResolver;
  /** Where HTTP sensors may go (never internal addresses unless an admin allows them). */
  egress: EgressGuard;
  /** The platform's own database (DATABASE_URL), which no SQL sensor may query. */
  platformDatabase?: string;
}

export function checkSensor(check: SensorSpec['check'], ctx: SensorContext, deps: SensorDeps): Promise<SensorReading> {
  switch (check.type) {
    case 'file':
      return checkFile(check, ctx, deps);
    case 's3':
      return checkS3(check, ctx, deps);
    case 'http':
      return checkHttp(check, ctx, deps);
    case 'sql':
      return checkSql(check, ctx, deps);
    default: {
      const unreachable: never = check;
      throw new Error(`unknown sensor ${JSON.stringify(unreachable)}`);
    }
  }
}
