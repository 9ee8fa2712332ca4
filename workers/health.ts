// A worker process's health server (node:http), for a supervisor's or an orchestrator's probes: GET /healthz (the
// process answers: 200 {"ok":true}) and GET /readyz (its database and Temporal answer: 200, else 503 naming which).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readiness, type ReadinessProbes } from '~/server/presenters/health';

export interface HealthServer {
  /** The port it listens on (the one chosen when it was asked for 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: {
  port: number;
  probes: ReadinessProbes;
  log?: (line: string) => void;
}): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/readyz') return reply(404, { error: 'GET /healthz or /readyz' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' });
    if (path === '/healthz') return reply(200, { ok: true });
    readiness(opts.probes, { log: opts.log }).then(
      ({ ready, checks }) => reply(ready ? 200 : 503, checks),
      (err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        // a prober's keep-alive connection must not hold the worker's exit
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
