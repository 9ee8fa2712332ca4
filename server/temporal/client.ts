// The one Temporal client of a process, created on first use.
import { Client, Connection } from '@temporalio/client';
import { config, type TemporalConfig } from '~/server/env';
import { connectionOptions } from './connection';

export async function createTemporalClient(cfg: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(cfg));
  return new Client({ connection, namespace: cfg.namespace });
}

const globalForTemporal = globalThis as unknown as { brewlineTemporal?: Promise<Client> };
export function temporal(): Promise<Client> {
  globalForTemporal.brewlineTemporal ??= createTemporalClient(config().temporal).catch((err) => {
    globalForTemporal.brewlineTemporal = undefined;
    throw err;
  });
  return globalForTemporal.brewlineTemporal;
}
