// Starts Temporal's dev server (the real server, SQLite persistence) as a child process and waits until it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from './temporal-cli';

export interface TemporalServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file; omitted: in memory. */
  dbFile?: string;
  namespace?: string;
  onOutput?: (line: string) => void;
  /** The server process ended without stop() (killed, crashed): how, as a signal name or "code N". Not called for
   * the SDK-downloaded server. */
  onExit?: (how: string) => void;
}

export interface RunningTemporalServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the Temporal server exited with code ${child.exitCode} before it was ready`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      await conn.healthService.check({});
      await conn.close();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the Temporal server at ${address} did not become ready: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startTemporalServer(opts: TemporalServerOptions): Promise<RunningTemporalServer> {
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${opts.port}`;
  const cli = await resolveTemporalCli(opts.onOutput);
  if (cli.kind === 'sdk-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: opts.port,
        namespace,
        dbFilename: opts.dbFile,
        ui: opts.uiPort !== undefined,
        uiPort: opts.uiPort,
      },
    });
    return { address, uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined, stop: () => env.teardown() };
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  // Tests and benchmarks start many children quickly; raise the dev server's per-namespace rate limits.
  args.push('--dynamic-config-value', 'frontend.namespaceRPS=100000', '--dynamic-config-value', 'frontend.rps=100000');
  // activities on the workflow's own task queue start in the same round trip as the workflow task
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  // one machine, a handful of pollers per queue: one partition per task queue, so a task never waits to be
  // forwarded between partitions to reach the one idle poller (a cluster keeps its own partition settings)
  args.push(
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
  );
  // the dev server has one history shard, whose transfer queue is read at most 20 times a second by default: every
  // workflow and activity task then waits up to 50 ms to be handed to matching; read it as soon as tasks arrive
  args.push('--dynamic-config-value', 'history.transferProcessorMaxPollRPS=200');
  // own process group: a Ctrl-C meant for `npm start` must not stop the server before the workers drain
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  process.once('exit', () => child.kill('SIGKILL'));
  const forward = (buf: Buffer) =>
    buf
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => {
        opts.onOutput?.(l);
      });
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  await waitUntilServing(address, child);
  let stopped = false;
  child.once('exit', (code, signal) => {
    if (!stopped) opts.onExit?.(signal ?? `code ${code}`);
  });
  return {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
