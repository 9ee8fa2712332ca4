// Runs a step's command: an argv array (never a shell), in the sandbox (its PID namespace ends every process it
// started) or, with the sandbox off, in its own process group, so a timeout or a cancel kills it all.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Masker } from '~/server/services/secrets/mask';
import { type SandboxRequest, spawnSandboxed } from '~/workers/sandbox/sandbox';

export interface CommandOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Aborting kills the process group (SIGTERM, then SIGKILL after the grace period). */
  signal: AbortSignal;
  log: BoundedLog;
  killGraceMs?: number;
  /** What the sandbox shows the command; absent: run it unsandboxed. */
  sandbox?: Pick<SandboxRequest, 'mounts' | 'network'>;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
}

/** Keeps the last `maxBytes` of a step's output; remembers that it dropped some. */
export class BoundedLog {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  /** Masks the step's granted secret values in what is read back (the log kept, the error's last line). */
  mask: Pick<Masker, 'text' | 'tail'> | undefined;
  constructor(private readonly maxBytes: number) {}

  append(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buf);
    this.size += buf.length;
    while (this.size > this.maxBytes && this.chunks.length > 0) {
      const excess = this.size - this.maxBytes;
      const first = this.chunks[0]!;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.truncated = true;
    }
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.truncated = false;
  }

  text(): string {
    // a cut may land inside a multi-byte character; drop the replacement character it leaves
    const text = Buffer.concat(this.chunks)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    // masked as a whole, so a value split across chunks is still found; a cut may have left a secret's end first
    if (!this.mask) return text;
    return this.truncated ? this.mask.tail(text) : this.mask.text(text);
  }

  lastLine(): string {
    const lines = this.text()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.at(-1) ?? '';
  }
}

/** bubblewrap failing to build the sandbox (before the command starts), e.g. "bwrap: loopback: Failed RTM_NEWADDR". */
const SANDBOX_SETUP_FAILURE = /^bwrap: [^\n]*\n?$/;

/**
 * Runs the command. A sandbox that bubblewrap failed to build (now and then setting up the loopback of a new network
 * namespace fails) never ran the command, so it is built again, up to 3 times, with a fresh log.
 */
export async function runCommand(argv: string[], opts: CommandOptions): Promise<CommandResult> {
  for (let tries = 1; ; tries++) {
    const result = await runOnce(argv, opts);
    const setupFailed =
      opts.sandbox &&
      result.exitCode === 1 &&
      !result.timedOut &&
      !result.aborted &&
      SANDBOX_SETUP_FAILURE.test(opts.log.text());
    if (!setupFailed || tries === 3) return result;
    opts.log.clear();
  }
}

function runOnce(argv: string[], opts: CommandOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const program = file === 'node' ? process.execPath : file;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    if (opts.sandbox) {
      const started = spawnSandboxed({ ...opts.sandbox, argv: [program, ...args], cwd: opts.cwd, env: opts.env });
      child = started.child;
      started.ready.catch((err: Error) => {
        cleanup();
        reject(err);
      });
    } else
      child = spawn(program, args, {
        cwd: opts.cwd,
        env: opts.env as NodeJS.ProcessEnv,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    let timedOut = false;
    let settled = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      // the group, even when its leader has exited: a process it left behind may still hold the output open
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      killTimer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, opts.killGraceMs ?? 5_000);
    };
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const timeout = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    child.stdout!.on('data', (b: Buffer) => opts.log.append(b));
    child.stderr!.on('data', (b: Buffer) => opts.log.append(b));
    child.on('error', (err) => {
      cleanup();
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      cleanup();
      resolve({ exitCode, signal, timedOut, aborted });
    });
    function cleanup() {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
    }
  });
}
