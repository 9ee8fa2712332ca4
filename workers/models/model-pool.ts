// Resident models on a worker: one runner process per model version, started on first use and kept across
// activities and dongs; memory-aware admission within GPU_MEMORY_MB (least recently used idle runner evicted,
// never loaded past the budget); concurrent requests for one model merged into batches, where an input the runner
// fails fails only its caller's request; crashed runners restarted on the next request (the requests they held fail
// retryably); idle runners health-checked.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedModel } from '~/common/model-ref';
import { type Environment, runnerEnv } from '~/workers/child-env';
import type { WeightsResolver } from './model-weights';
import { RunnerCrashedError, RunnerProcess, RunnerRequestError } from './runner-process';
import { runnerPython } from '~/stack/runner-python';
import { bwrapArgs, pythonEnvMounts } from '~/workers/sandbox/sandbox';
import type { PreparedModelCode } from './model-code';

export interface ModelPoolOptions {
  memoryBudgetMb: number;
  batchMax: number;
  batchWaitMs: number;
  /** Where runners/<framework>/runner.py are found. */
  cwd: string;
  python?: string;
  loadTimeoutMs?: number;
  inferTimeoutMs?: number;
  healthCheckMs?: number;
  /** Turns a model version's artifactUri into what its runner reads (s3:// fetched into a local cache). */
  weights?: WeightsResolver;
  /** The worker's environment (its configuration's): runners see only what workers/child-env.ts lets through. */
  environment?: Environment;
  /** Extra environment for runners. */
  env?: Record<string, string>;
  /** Writes a version's code where its runner reads it and finds the Python to run it (workers/models/model-code). */
  prepareCode?: (model: ResolvedModel) => Promise<PreparedModelCode>;
  /** Runs each runner in the step sandbox (bubblewrap, no network, as the step user), seeing only the system, its
   * code, its Python, its weights and these folders (read-only), with the GPU's device nodes passed through. */
  sandbox?: { readOnly: string[] /** why the sandbox cannot run here: no runner starts */; unavailable?: string };
  log?: (line: string) => void;
}

/** A model the pool cannot serve however often it is retried (unknown runner, bigger than the budget). */
export class ModelUnservableError extends Error {
  override name = 'ModelUnservableError';
}

export interface InferOptions {
  /** Folders the inputs' files (their `image` and `path` fields) must lie in: the runner refuses others. */
  roots?: string[];
}

/** One caller's inputs: settled once, by its last output or its first failed input. */
interface CallerRequest {
  outputs: unknown[];
  left: number;
  settled: boolean;
  roots?: string[];
  resolve: (outputs: unknown[]) => void;
  reject: (err: Error) => void;
}

interface Waiting {
  request: CallerRequest;
  /** the input's position in its caller's request */
  index: number;
  input: unknown;
}

interface Entry {
  key: string;
  model: ResolvedModel;
  runner?: RunnerProcess;
  starting?: Promise<RunnerProcess>;
  memoryMb: number;
  /** the most inputs per batch: BREWLINE_BATCH_MAX, or less where the model code asks for less */
  batchMax: number;
  lastUsed: number;
  inflight: boolean;
  queue: Waiting[];
  timer?: NodeJS.Timeout;
}

export interface ModelPoolStats {
  resident: { model: string; memoryMb: number; pid?: number }[];
  usedMb: number;
  peakMb: number;
  loads: number;
  evictions: number;
  /** loads of a model version loaded before (after a crash or an eviction) */
  reloads: number;
  batchSizes: number[];
  loadMs: number[];
}

const FRAMEWORK = /^[a-z][a-z0-9_-]{0,62}$/;

export class ModelPool {
  private readonly entries = new Map<string, Entry>();
  private usedMb = 0;
  private readonly stats: Omit<ModelPoolStats, 'resident' | 'usedMb'> = {
    peakMb: 0,
    loads: 0,
    evictions: 0,
    reloads: 0,
    batchSizes: [],
    loadMs: [],
  };
  private released: (() => void)[] = [];
  /** model versions loaded at least once: a later load is a reload */
  private readonly wasLoaded = new Set<string>();
  private readonly health?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: ModelPoolOptions) {
    if (opts.healthCheckMs) this.health = setInterval(() => void this.checkHealth(), opts.healthCheckMs).unref();
  }

  /**
   * One output per input, computed in batches shared with other callers of the same model version. An input the
   * runner fails rejects this call (RunnerRequestError naming the input's position), not the other callers'.
   */
  infer(model: ResolvedModel, inputs: unknown[], options: InferOptions = {}): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new RunnerCrashedError('the worker is shutting down'));
    const key = `${model.name}@${model.version}`;
    const entry =
      this.entries.get(key) ??
      this.entries
        .set(key, {
          key,
          model,
          memoryMb: Math.max(0, model.gpuMemoryMb),
          batchMax: this.opts.batchMax,
          lastUsed: Date.now(),
          inflight: false,
          queue: [],
        })
        .get(key)!;
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const request: CallerRequest = {
        outputs: new Array<unknown>(inputs.length),
        left: inputs.length,
        settled: false,
        roots: options.roots,
        resolve,
        reject,
      };
      for (const [index, input] of inputs.entries()) entry.queue.push({ request, index, input });
      this.schedule(entry);
    });
  }

  snapshot(): ModelPoolStats {
    const resident = [...this.entries.values()]
      .filter((e) => e.runner?.alive)
      .map((e) => ({ model: e.key, memoryMb: e.memoryMb, pid: e.runner!.pid }));
    return {
      ...this.stats,
      batchSizes: [...this.stats.batchSizes],
      loadMs: [...this.stats.loadMs],
      resident,
      usedMb: this.usedMb,
    };
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.health);
    await Promise.all([...this.entries.values()].map((e) => e.runner?.stop()));
  }

  private schedule(entry: Entry): void {
    if (entry.inflight || entry.queue.length === 0) return;
    if (entry.queue.length >= entry.batchMax) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      void this.flush(entry);
    } else
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        void this.flush(entry);
      }, this.opts.batchWaitMs);
  }

  private async flush(entry: Entry): Promise<void> {
    if (entry.inflight) return;
    // the rest of a request that already failed is not run
    entry.queue = entry.queue.filter((w) => !w.request.settled);
    if (entry.queue.length === 0) return;
    entry.inflight = true;
    const batch = entry.queue.splice(0, entry.batchMax);
    try {
      const runner = await this.runnerFor(entry);
      this.stats.batchSizes.push(batch.length);
      const roots = batch.some((w) => w.request.roots) ? batch.map((w) => w.request.roots ?? null) : undefined;
      const reply = await runner.request(
        { op: 'infer', inputs: batch.map((w) => w.input), ...(roots && { roots }) },
        this.opts.inferTimeoutMs ?? 600_000,
      );
      const { outputs, failed } = batchReply(reply, batch.length);
      for (const [i, w] of batch.entries()) {
        const error = failed.get(i);
        if (error === undefined) fulfil(w, outputs[i]);
        else fail(w.request, new RunnerRequestError(`input ${w.index}: ${error}`));
      }
    } catch (err) {
      for (const w of batch) fail(w.request, err as Error);
    } finally {
      entry.inflight = false;
      entry.lastUsed = Date.now();
      this.wake();
      // what arrived meanwhile goes at once: under load, batches form while the previous one runs
      if (entry.queue.length > 0) void this.flush(entry);
    }
  }

  private runnerFor(entry: Entry): Promise<RunnerProcess> {
    if (entry.runner?.alive) return Promise.resolve(entry.runner);
    entry.starting ??= this.start(entry).finally(() => (entry.starting = undefined));
    return entry.starting;
  }

  /** The runner's argv and what it reads: the version's own code under runners/model_host.py, or the framework's
   * runner (runners/<framework>/runner.py). */
  private async program(model: ResolvedModel): Promise<{ argv: string[]; reads: string[] }> {
    const label = `model ${model.name}@${model.version}`;
    if ((model.runtime || 'python') !== 'python')
      throw new ModelUnservableError(`${label}: runtime "${model.runtime}" has no runner (only "python")`);
    const runners = path.join(this.opts.cwd, 'runners');
    if (this.opts.sandbox?.unavailable)
      throw new ModelUnservableError(`${label}: model runners need the sandbox: ${this.opts.sandbox.unavailable}`);
    if (model.code) {
      if (!this.opts.prepareCode) throw new ModelUnservableError(`${label}: this worker cannot serve model code`);
      const code = await this.opts.prepareCode(model);
      return {
        argv: [inRealEnv(code.python), '-u', path.join(runners, 'model_host.py'), code.dir, model.code.entrypoint],
        reads: [runners, code.dir, ...pythonMounts(code.python), ...pythonMounts(this.python())],
      };
    }
    if (!FRAMEWORK.test(model.framework))
      throw new ModelUnservableError(`${label}: framework "${model.framework}" is not a runner name`);
    const script = path.join(runners, model.framework, 'runner.py');
    if (!existsSync(script))
      throw new ModelUnservableError(`${label}: no runner at runners/${model.framework}/runner.py`);
    return { argv: [this.python(), '-u', script], reads: [runners, ...pythonMounts(this.python())] };
  }

  private python(): string {
    return inRealEnv(runnerPython(this.opts.cwd, this.opts.python));
  }

  /** Weights the sandbox's user cannot read fail the model at once, saying how to fix it (not a crash per retry). */
  private checkReadable(model: ResolvedModel, weights: string): void {
    if (!this.opts.sandbox || process.getuid?.() !== 0) return;
    const local = weights.startsWith('file://') ? weights.slice('file://'.length) : weights;
    const closed = unreadableByOthers(local);
    if (closed)
      throw new ModelUnservableError(
        `model ${model.name}@${model.version}: its weights ${closed} cannot be read by the sandbox's user ` +
          '(runners run as nobody): make them world-readable (chmod -R a+rX)',
      );
  }

  /** The argv that starts the runner: in the sandbox when the worker has one. */
  private sandboxed(argv: string[], reads: string[], weights: string, env: Record<string, string>): string[] {
    if (!this.opts.sandbox) return argv;
    const local = weights.startsWith('file://') ? weights.slice('file://'.length) : weights;
    const args = bwrapArgs({
      argv,
      cwd: '/tmp',
      env,
      mounts: {
        readOnly: [...reads, ...(local.startsWith('/') ? [local] : []), ...this.opts.sandbox.readOnly],
        // the one file a runner may write: the batch log an operator asked for (BREWLINE_RUNNER_LOG)
        writable: env.BREWLINE_RUNNER_LOG ? [path.dirname(env.BREWLINE_RUNNER_LOG)] : [],
        hidden: [],
      },
      network: false,
      devices: gpuDevices(),
    });
    return ['bwrap', ...args];
  }

  /** Admits the model within the memory budget (evicting idle runners, least recently used first), then loads it. */
  private async start(entry: Entry): Promise<RunnerProcess> {
    const { argv, reads } = await this.program(entry.model);
    const artifactUri = this.opts.weights ? await this.opts.weights(entry.model.artifactUri) : entry.model.artifactUri;
    this.checkReadable(entry.model, artifactUri);
    const need = entry.memoryMb;
    if (need > this.opts.memoryBudgetMb)
      throw new ModelUnservableError(
        `model ${entry.key} needs ${need} MB of GPU memory; this worker has GPU_MEMORY_MB=${this.opts.memoryBudgetMb}`,
      );
    while (this.usedMb + need > this.opts.memoryBudgetMb) {
      const idle = [...this.entries.values()]
        .filter((e) => e !== entry && e.runner?.alive && !e.inflight && e.queue.length === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle) {
        this.opts.log?.(`evicting ${idle.key} (${idle.memoryMb} MB) to load ${entry.key} (${need} MB)`);
        this.stats.evictions++;
        await idle.runner!.stop();
        continue; // its exit released its memory
      }
      // every resident model is busy: wait for one to finish a batch
      await new Promise<void>((resolve) => this.released.push(resolve));
    }
    this.usedMb += need;
    // what the runner holds: what admission reserved, or more where the loaded model reports more
    let held = need;
    this.stats.peakMb = Math.max(this.stats.peakMb, this.usedMb);
    const env = { ...runnerEnv(this.opts.environment ?? {}), ...this.opts.env, PYTHONUNBUFFERED: '1' };
    const runner = new RunnerProcess({
      argv: this.sandboxed(argv, reads, artifactUri, env),
      cwd: this.opts.sandbox ? '/' : this.opts.cwd,
      env,
      onLog: (line) => this.opts.log?.(`[${entry.key}] ${line}`),
    });
    void runner.exited.then(() => {
      this.usedMb -= held;
      if (entry.runner === runner) entry.runner = undefined;
      this.wake();
    });
    if (this.wasLoaded.has(entry.key)) this.stats.reloads++;
    this.wasLoaded.add(entry.key);
    this.stats.loads++;
    const m = entry.model;
    try {
      const reply = await runner.request(
        { op: 'load', model: { name: m.name, version: m.version, artifactUri, framework: m.framework } },
        this.opts.loadTimeoutMs ?? 600_000,
      );
      this.stats.loadMs.push(Number(reply.loadMs ?? 0));
      const reported = Number(reply.memoryMb ?? 0);
      if (reported > this.opts.memoryBudgetMb)
        throw new ModelUnservableError(
          `model ${entry.key} holds ${reported} MB once loaded (it declared ${need} MB); ` +
            `this worker has GPU_MEMORY_MB=${this.opts.memoryBudgetMb}`,
        );
      if (reported > held) {
        this.usedMb += reported - held;
        held = reported;
        entry.memoryMb = reported;
        this.stats.peakMb = Math.max(this.stats.peakMb, this.usedMb);
      }
      const hint = Number(reply.batchSize);
      if (Number.isInteger(hint) && hint > 0) entry.batchMax = Math.min(this.opts.batchMax, hint);
    } catch (err) {
      runner.kill();
      throw err;
    }
    entry.runner = runner;
    return runner;
  }

  private wake(): void {
    const waiting = this.released;
    this.released = [];
    for (const resolve of waiting) resolve();
  }

  private async checkHealth(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (!entry.runner?.alive || entry.inflight) continue;
      await entry.runner.request({ op: 'ping' }, 10_000).catch(() => entry.runner?.kill());
    }
  }
}

/** The interpreter at its environment's real path (`.venv` is often a link): the sandbox shows only real paths. A
 * venv's bin/python itself stays a link, which is how Python finds the environment's packages. */
function inRealEnv(python: string): string {
  if (!path.isAbsolute(python)) return python;
  const env = path.dirname(path.dirname(python));
  try {
    return path.join(realpathSync(env), path.relative(env, python));
  } catch {
    return python;
  }
}

/** The first file or folder under `target` (a weights file or folder, 2 levels deep) that others cannot read. */
function unreadableByOthers(target: string, depth = 0): string | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(target);
  } catch {
    return undefined; // a missing file is the runner's to report
  }
  if (st.isDirectory()) {
    if ((st.mode & 0o005) !== 0o005) return target;
    if (depth >= 2) return undefined;
    for (const name of readdirSync(target)) {
      const closed = unreadableByOthers(path.join(target, name), depth + 1);
      if (closed) return closed;
    }
    return undefined;
  }
  return (st.mode & 0o004) === 0 ? target : undefined;
}

/** A Python's installation folders, to show a sandboxed runner (nothing for the system's python3). */
function pythonMounts(python: string): string[] {
  if (!path.isAbsolute(python)) return [];
  return pythonEnvMounts(path.dirname(path.dirname(python)));
}

/** The GPU's device nodes (NVIDIA's), passed through to sandboxed runners. */
function gpuDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((name) => name.startsWith('nvidia'))
      .map((name) => path.join('/dev', name));
  } catch {
    return [];
  }
}

function fulfil(w: Waiting, output: unknown): void {
  const request = w.request;
  if (request.settled) return;
  request.outputs[w.index] = output;
  request.left--;
  if (request.left > 0) return;
  request.settled = true;
  request.resolve(request.outputs);
}

function fail(request: CallerRequest, err: Error): void {
  if (request.settled) return;
  request.settled = true;
  request.reject(err);
}

/** A batch's outputs, and its failed inputs' errors by position in the batch (runners/PROTOCOL.md). */
function batchReply(reply: Record<string, unknown>, size: number): { outputs: unknown[]; failed: Map<number, string> } {
  const { outputs, errors = {} } = reply;
  if (!Array.isArray(outputs) || outputs.length !== size)
    throw new RunnerRequestError(
      `the runner answered ${Array.isArray(outputs) ? outputs.length : 'no'} outputs for ${size} inputs`,
    );
  if (typeof errors !== 'object' || errors === null)
    throw new RunnerRequestError('the runner answered "errors" that is not an object of input positions');
  const failed = new Map<number, string>();
  for (const [key, error] of Object.entries(errors)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= size)
      throw new RunnerRequestError(`the runner answered an error for input ${key} of a batch of ${size}`);
    failed.set(i, String(error));
  }
  return { outputs, failed };
}
