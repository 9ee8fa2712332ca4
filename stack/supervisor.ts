// Keeps `npm start`'s workers and portal running: a child that exits on its own is started again after a backoff
// (1 s, doubling up to 30 s; back to 1 s once it has stayed up a minute), and every restart is logged. A child that
// needs more than 5 restarts within a minute is given up on: the caller decides what that means (npm start stops).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  /** One line of a child's output, or of the supervisor about that child. */
  log(name: string, line: string): void;
  /** A child restarted too often: called once, with why; the supervisor restarts nothing after it. */
  onGiveUp(name: string, reason: string): void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Restarts of one child allowed within windowMs; the exit that would need one more gives up. */
  maxRestarts?: number;
  windowMs?: number;
  /** How long stop() waits after SIGTERM before it sends SIGKILL. */
  stopTimeoutMs?: number;
}

interface Supervised {
  spec: ChildSpec;
  child?: ChildProcess;
  startedAt: number;
  /** When it was restarted, within the last window. */
  restarts: number[];
  /** Exits in a row without a stable run between them: the exponent of the next backoff. */
  failures: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly children = new Map<string, Supervised>();
  private stopping = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRestarts: number;
  private readonly windowMs: number;

  constructor(private readonly opts: SupervisorOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.maxRestarts = opts.maxRestarts ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
  }

  start(spec: ChildSpec): void {
    if (this.children.has(spec.name)) throw new Error(`${spec.name} is already supervised`);
    const entry: Supervised = { spec, startedAt: 0, restarts: [], failures: 0 };
    this.children.set(spec.name, entry);
    this.launch(entry);
  }

  /** The pid of a child now running, if it is. */
  pid(name: string): number | undefined {
    const child = this.children.get(name)?.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Stops every child (SIGTERM, then SIGKILL after stopTimeoutMs) and restarts none of them. */
  async stop(): Promise<void> {
    this.stopping = true;
    const stopTimeoutMs = this.opts.stopTimeoutMs ?? 15_000;
    await Promise.all(
      [...this.children.values()].map((entry) => {
        clearTimeout(entry.timer);
        const child = entry.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        return new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs).unref();
        });
      }),
    );
  }

  private launch(entry: Supervised): void {
    const { name, command, args, env } = entry.spec;
    const log = (line: string) => this.opts.log(name, line);
    // own process group: Ctrl-C reaches only the supervisor, which stops the children in order
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    entry.child = child;
    entry.startedAt = Date.now();
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => l.trim() && log(l));
    child.on('error', (err) => log(`could not start: ${err.message}`));
    if (child.pid !== undefined) log(`started (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      killGroup(child.pid);
      this.restartLater(entry, signal ?? `code ${code}`);
    });
  }

  private restartLater(entry: Supervised, how: string): void {
    const { name } = entry.spec;
    const now = Date.now();
    // a child that stayed up a whole window was healthy: its next crash starts the backoff over
    if (now - entry.startedAt >= this.windowMs) entry.failures = 0;
    entry.restarts = entry.restarts.filter((t) => now - t < this.windowMs);
    if (entry.restarts.length >= this.maxRestarts) {
      const reason =
        `${name} exited (${how}) after ${entry.restarts.length} restarts within ` +
        `${Math.round(this.windowMs / 1000)} s; giving up on it`;
      this.opts.log(name, reason);
      this.opts.onGiveUp(name, reason);
      return;
    }
    const delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** entry.failures);
    entry.failures++;
    entry.restarts.push(now);
    this.opts.log(
      name,
      `exited (${how}); restarting in ${formatSeconds(delay)} ` +
        `(restart ${entry.restarts.length} of ${this.maxRestarts} allowed within ${formatSeconds(this.windowMs)})`,
    );
    entry.timer = setTimeout(() => {
      if (!this.stopping) this.launch(entry);
    }, delay);
  }
}

/** What a dead child left in its process group (a runner mid-batch, an unsandboxed step) must not hold the GPU, or
 * write into a step's folder, while its successor starts. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of it is left
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
