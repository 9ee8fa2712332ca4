// One model runner process (see runners/PROTOCOL.md): spawned with an argv array, spoken to in JSON lines, its
// replies matched to requests by id. When it exits, every request still waiting fails (retryably); a line on its
// stdout that is not JSON fails at once the request it answers (or, naming none, every waiting one).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class RunnerCrashedError extends Error {
  override name = 'RunnerCrashedError';
}
export class RunnerRequestError extends Error {
  override name = 'RunnerRequestError';
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface RunnerProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** A line of the runner's stderr (its log). */
  onLog?: (line: string) => void;
}

export class RunnerProcess {
  private readonly child: ChildProcess;
  private readonly onLog?: (line: string) => void;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError: Error | null = null;
  readonly exited: Promise<void>;

  constructor(opts: RunnerProcessOptions) {
    const [command, ...args] = opts.argv;
    this.onLog = opts.onLog;
    this.child = spawn(command!, args, {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => opts.onLog?.(line));
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        this.exitError ??= new RunnerCrashedError(reason);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(this.exitError);
        }
        this.pending.clear();
        resolve();
      };
      this.child.on('error', (err) => done(`the runner could not start: ${err.message}`));
      this.child.on('exit', (code, signal) => done(`the runner exited (${signal ?? `code ${code}`})`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitError === null;
  }

  /** Sends one request; resolves with the runner's reply, rejects on an error reply, a crash or the timeout. */
  request(message: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RunnerCrashedError(`the runner did not answer "${String(message.op)}" within ${timeoutMs} ms`));
        this.kill();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ id, ...message })}\n`);
    });
  }

  private onLine(line: string): void {
    let reply: unknown;
    try {
      reply = JSON.parse(line);
    } catch {
      reply = undefined;
    }
    if (typeof reply === 'object' && reply !== null && !Array.isArray(reply))
      this.settle(reply as Record<string, unknown>);
    else this.onUnreadable(line);
  }

  /** A reply that is lost (e.g. NaN, which JSON has not) fails its request now rather than at the timeout. */
  private onUnreadable(line: string): void {
    this.onLog?.(`stdout, not a protocol line: ${line.slice(0, 500)}`);
    const why = /\b(NaN|-?Infinity)\b/.test(line)
      ? 'a reply that is not JSON (it holds NaN or Infinity)'
      : `a line that is not a JSON reply: ${line.slice(0, 200)}`;
    const id = /^\s*\{\s*"id"\s*:\s*(\d+)\s*,/.exec(line)?.[1];
    const ids = id !== undefined && this.pending.has(Number(id)) ? [Number(id)] : [...this.pending.keys()];
    for (const n of ids) this.settle({ id: n, ok: false, error: `the runner wrote ${why}` });
  }

  private settle(reply: Record<string, unknown>): void {
    const pending = this.pending.get(reply.id as number);
    if (!pending) return;
    this.pending.delete(reply.id as number);
    clearTimeout(pending.timer);
    if (reply.ok === true) pending.resolve(reply);
    else pending.reject(new RunnerRequestError(String(reply.error ?? 'the runner reported an error')));
  }

  /** Asks it to stop, then kills it if it does not. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    await this.request({ op: 'shutdown' }, graceMs).catch(() => undefined);
    const killed = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(killed);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
