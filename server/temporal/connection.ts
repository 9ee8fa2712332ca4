// Connection options shared by the client (server, portal) and the workers (NativeConnection).
import { readFileSync } from 'node:fs';
import type { TemporalConfig } from '~/server/env';

export function connectionOptions(cfg: TemporalConfig) {
  const tls = cfg.tls
    ? {
        serverNameOverride: cfg.tls.serverName,
        serverRootCACertificate: cfg.tls.caPath ? readFileSync(cfg.tls.caPath) : undefined,
        clientCertPair:
          cfg.tls.certPath && cfg.tls.keyPath
            ? { crt: readFileSync(cfg.tls.certPath), key: readFileSync(cfg.tls.keyPath) }
            : undefined,
      }
    : undefined;
  return { address: cfg.address, tls, apiKey: cfg.apiKey };
}
