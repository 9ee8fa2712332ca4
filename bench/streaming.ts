// npm run bench:streaming -- [--dongs 48] [--crawl-s 25] [--gpu-slots 1,2] [--seed 202611]
// A month of the streaming cafe pipeline scaled down to seconds, through a real Temporal dev server and Postgres
// with the workers in a separate process. The bench is the crawler: it drops each dong's crawl file at its arrival
// time and signals itemReady; each dong waits for its file (a sensor), then runs download (cpu) → 4 × gpu → load
// (cpu), every step sleeping a duration drawn up front from a seeded lognormal (the bench.sleep builtin).
// For each GPU_SLOTS it prints the makespan against a lower bound, the GPU busy fraction while GPU work was ready,
// and what a stage-by-stage batch of the same work would take; the last line is JSON. Each round's fresh worker
// first serves a two-dong warm-up run, as a long-running worker would have served earlier runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PipelineSpecInput } from '~/common/pipeline-spec';
import { startBenchStack } from './support/stack';
import { createDb, type Db } from '~/server/db';
import { loadConfig } from '~/server/env';
import { AppError } from '~/server/errors';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { signalItemReady } from '~/server/services/runs/run-control';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { createTemporalClient } from '~/server/temporal/client';
import { runSharedDir } from '~/workers/activities/step-dirs';

const { values } = parseArgs({
  options: {
    dongs: { type: 'string', default: '48' },
    'crawl-s': { type: 'string', default: '25' },
    'gpu-slots': { type: 'string', default: '1,2' },
    seed: { type: 'string', default: '202611' },
  },
});
const DONGS = Number(values.dongs);
const CRAWL_MS = Number(values['crawl-s']) * 1000;
const GPU_SLOTS = values['gpu-slots'].split(',').map(Number);
const SEED = Number(values.seed);
if (
  !(DONGS >= 1) ||
  !(CRAWL_MS >= 0) ||
  !GPU_SLOTS.every((g) => Number.isInteger(g) && g >= 1) ||
  !Number.isInteger(SEED)
)
  throw new Error('usage: bench/streaming.ts [--dongs N] [--crawl-s S] [--gpu-slots 1,2] [--seed INT]');

// The cafe pipeline's per-item chain; medians are a month's step times scaled down (the VLM captioner is slowest).
const STEPS = [
  { id: 'download-images', queue: 'cpu', medianMs: 400 },
  { id: 'representative-images', queue: 'gpu', medianMs: 350 },
  { id: 'describe-images', queue: 'gpu', medianMs: 550 },
  { id: 'summarise-reviews', queue: 'gpu', medianMs: 400 },
  { id: 'embed', queue: 'gpu', medianMs: 200 },
  { id: 'load', queue: 'cpu', medianMs: 150 },
] as const;
type StepId = (typeof STEPS)[number]['id'];
const GPU_STEPS = STEPS.filter((s) => s.queue === 'gpu');
const MIN_STEP_MS = 100;
const MAX_STEP_MS = 1_500;

interface Dong {
  key: string;
  /** planned landing time of its crawl file, ms after the run is triggered */
  arrivalMs: number;
  work: Record<StepId, number>;
}

/** mulberry32: a small seeded PRNG, so every run of the bench does the same work. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plannedWork(): Dong[] {
  const random = rng(SEED);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lognormal = (sigma: number) => Math.exp(sigma * normal());
  const clip = (ms: number) => Math.round(Math.min(MAX_STEP_MS, Math.max(MIN_STEP_MS, ms)));
  // a dong's size (how many cafes) scales its crawl and every step; each step also varies on its own
  const dongs = Array.from({ length: DONGS }, (_, i) => {
    const size = lognormal(0.35);
    const work = Object.fromEntries(STEPS.map((s) => [s.id, clip(s.medianMs * size * lognormal(0.3))])) as Record<
      StepId,
      number
    >;
    return { key: `dong-${String(i).padStart(3, '0')}`, crawlGap: size * lognormal(0.3), work };
  });
  const total = dongs.reduce((sum, d) => sum + d.crawlGap, 0);
  let landed = 0;
  return dongs.map(({ key, crawlGap, work }) => {
    landed += crawlGap;
    return { key, arrivalMs: Math.round((landed / total) * CRAWL_MS), work };
  });
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pathMs = (d: Dong) => sum(STEPS.map((s) => d.work[s.id]));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Every dong through one stage before any starts the next (the crawl is the first stage): list scheduling in dong
 * order onto the earliest free slot, with no platform overhead at all. */
function stageByStageMs(dongs: Dong[], landedMs: number[], gpuSlots: number, cpuSlots: number): number {
  let t = Math.max(...landedMs);
  for (const step of STEPS) {
    const free = new Array<number>(step.queue === 'gpu' ? gpuSlots : cpuSlots).fill(0);
    for (const d of dongs) {
      const slot = free.indexOf(Math.min(...free));
      free[slot]! += d.work[step.id];
    }
    t += Math.max(...free);
  }
  return t;
}

/** The streaming run itself with no platform overhead at all: each dong's download starts as it lands (CPU never
 * short), and a freed GPU slot takes the GPU step that has been ready longest, as the task queue hands them out. */
function streamingIdealMs(dongs: Dong[], landedMs: number[], gpuSlots: number): number {
  const cpuFirst = STEPS[0];
  const cpuLast = STEPS.at(-1)!;
  const free = new Array<number>(gpuSlots).fill(0);
  let pending = dongs.map((d, i) => ({ d, k: 0, ready: landedMs[i]! + d.work[cpuFirst.id] }));
  let end = 0;
  while (pending.length > 0) {
    const slot = free.indexOf(Math.min(...free));
    const next = pending.reduce((a, b) => (b.ready < a.ready ? b : a));
    pending = pending.filter((j) => j !== next);
    const done = Math.max(free[slot]!, next.ready) + next.d.work[GPU_STEPS[next.k]!.id];
    free[slot] = done;
    if (next.k + 1 < GPU_STEPS.length) pending.push({ d: next.d, k: next.k + 1, ready: done });
    else end = Math.max(end, done + next.d.work[cpuLast.id]);
  }
  return end;
}

interface GpuJob {
  ready: number;
  start: number;
  end: number;
}

/** Slot time used over slot time usable while GPU work was ready or running: usable at an instant is
 * min(GPU slots, GPU steps ready or running), so 100 % means no slot idled while a GPU step could have run. */
function gpuBusy(jobs: GpuJob[], gpuSlots: number): { busy: number; readyS: number; idleSlotS: number } {
  const times = [...new Set(jobs.flatMap((j) => [j.ready, j.start, j.end]))].sort((a, b) => a - b);
  let used = 0;
  let usable = 0;
  let ready = 0;
  for (let k = 0; k + 1 < times.length; k++) {
    const t = times[k]!;
    const dt = times[k + 1]! - t;
    const demand = jobs.filter((j) => j.ready <= t && t < j.end).length;
    const running = jobs.filter((j) => j.start <= t && t < j.end).length;
    used += Math.min(gpuSlots, running) * dt;
    usable += Math.min(gpuSlots, demand) * dt;
    if (demand > 0) ready += dt;
  }
  return { busy: usable > 0 ? used / usable : 1, readyS: ready / 1000, idleSlotS: (usable - used) / 1000 };
}

/** Per GPU step, how long it started after it could have: after the later of its becoming ready and the last
 * GPU slot freeing before it started (dispatch and bookkeeping latency; the scheduling order is not counted). */
function gpuHandoffMs(jobs: GpuJob[]): number[] {
  return jobs
    .map((j) => {
      const freed = Math.max(-Infinity, ...jobs.filter((o) => o !== j && o.end <= j.start).map((o) => o.end));
      return j.start - Math.max(j.ready, freed);
    })
    .sort((a, b) => a - b);
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

async function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--queues', 'cpu,gpu'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (b: Buffer) => b.toString().includes('worker ready') && resolve());
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return worker;
}

async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGTERM');
  await exited;
}

const stack = await startBenchStack();
const baseEnv = { ...stack.env, BREWLINE_WORKER_LOG_LEVEL: 'ERROR' };
const db: Db = createDb(loadConfig(baseEnv).databaseUrl);
const temporal = createTemporalClient(loadConfig(baseEnv).temporal);

const dongs = plannedWork();
const gpuWorkMs = sum(dongs.flatMap((d) => GPU_STEPS.map((s) => d.work[s.id])));
await registerPipeline(db, {
  slug: 'bench-streaming',
  name: 'Streaming benchmark',
  params: { items: { type: 'string[]', default: [] }, work: { type: 'string', default: '{}' } },
  items: { source: 'param', param: 'items' },
  maxInFlight: DONGS,
  steps: [
    {
      id: 'crawl-landed',
      kind: 'sensor' as const,
      // a long poke interval: a dong that starts promptly was woken by the signal
      sensor: {
        check: { type: 'file', path: '{runDir}/crawl/{item}.json' },
        pokeIntervalMs: 30_000,
        timeoutMs: 600_000,
        onTimeout: 'fail',
      },
    },
    ...STEPS.map((s, i) => ({
      id: s.id,
      kind: 'builtin' as const,
      builtin: 'bench.sleep',
      queue: s.queue,
      needs: [i ? STEPS[i - 1]!.id : 'crawl-landed'],
    })),
    { id: 'publish', kind: 'noop' as const, scope: 'after' as const },
  ],
} satisfies PipelineSpecInput);

interface RoundResult {
  gpu_slots: number;
  makespan_s: number;
  lower_bound_s: number;
  ratio: number;
  gpu_busy: number;
  stage_by_stage_s: number;
}

/** A small run through the fresh worker first, as a long-running worker would have done: the measured run does not
 * pay for the worker's first queries and compiled code paths. */
async function warmUp(deps: Parameters<typeof triggerRun>[0], dataDir: string): Promise<void> {
  const keys = ['warm-up-0', 'warm-up-1'];
  const work = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(STEPS.map((s) => [s.id, 1]))]));
  const { runId } = await triggerRun(deps, {
    pipelineSlug: 'bench-streaming',
    params: { items: keys, work: JSON.stringify(work) },
  });
  const crawlDir = path.join(runSharedDir(dataDir, runId), 'crawl');
  await mkdir(crawlDir, { recursive: true });
  await Promise.all(keys.map((k) => writeFile(path.join(crawlDir, `${k}.json`), '{}')));
  const run = await runEnded(runId, Date.now() + 60_000, 'the warm-up run');
  if (run.status !== 'succeeded') throw new Error(`the warm-up run ended ${run.status}`);
}

/** Polls the run's row until it has ended; past `giveUpAt` (epoch ms) it throws, naming `what`. */
async function runEnded(runId: string, giveUpAt: number, what: string) {
  const since = Date.now();
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    if (run.endedAt) return run;
    if (Date.now() > giveUpAt)
      throw new Error(`${what}: run ${runId} still ${run.status} after ${(Date.now() - since) / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runRound(gpuSlots: number): Promise<{ result: RoundResult; ok: boolean; lines: string[] }> {
  // a queue prefix per round: no task of an earlier round's worker can land here
  const env = { ...baseEnv, GPU_SLOTS: String(gpuSlots), BREWLINE_TASK_QUEUE_PREFIX: `bench-g${gpuSlots}-` };
  const config = loadConfig(env);
  const deps = { db, temporal: () => temporal, config };
  const worker = await startWorker(env);
  try {
    await warmUp(deps, config.dataDir);
    const t0 = Date.now();
    const { runId } = await triggerRun(deps, {
      pipelineSlug: 'bench-streaming',
      params: {
        items: dongs.map((d) => d.key),
        work: JSON.stringify(Object.fromEntries(dongs.map((d) => [d.key, d.work]))),
      },
    });
    const crawlDir = path.join(runSharedDir(config.dataDir, runId), 'crawl');
    await mkdir(crawlDir, { recursive: true });
    let delivered = 0;
    // the crawler: each dong's file lands at its time (atomically), then the dong is told at once
    const landing = Promise.all(
      dongs.map(async (d) => {
        await sleepUntil(t0 + d.arrivalMs);
        const file = path.join(crawlDir, `${d.key}.json`);
        await writeFile(`${file}.part`, JSON.stringify({ dong: d.key }));
        await rename(`${file}.part`, file);
        const landedMs = Date.now() - t0;
        const signal = await signalItemReady(deps, runId, d.key).catch((err: unknown) => {
          // the run has not recorded its items yet: the dong's first check will find the file
          if (err instanceof AppError && err.code === 'NOT_FOUND') return { delivered: false };
          throw err;
        });
        if (signal.delivered) delivered++;
        return landedMs;
      }),
    );
    const run = await runEnded(
      runId,
      t0 + 60_000 + 5 * Math.max(CRAWL_MS, gpuWorkMs / gpuSlots),
      `GPU_SLOTS=${gpuSlots}`,
    );
    const landedMs = await landing;
    const makespanMs = run.endedAt!.getTime() - t0;

    const rows = await db.stepRun.findMany({
      where: { runId, itemKey: { not: '' } },
      select: { itemKey: true, stepId: true, status: true, startedAt: true, endedAt: true },
    });
    const done = new Map(
      rows
        .filter((r) => r.status === 'succeeded' && r.endedAt)
        .map((r) => [
          `${r.itemKey}/${r.stepId}`,
          { start: r.startedAt.getTime() - t0, end: r.endedAt!.getTime() - t0 },
        ]),
    );
    const retried = rows.filter((r) => r.status !== 'succeeded' && r.stepId !== 'crawl-landed').length;
    const jobs: GpuJob[] = [];
    const landedToStart: number[] = [];
    dongs.forEach((d, i) => {
      const first = done.get(`${d.key}/${STEPS[0].id}`);
      if (first) landedToStart.push(first.start - landedMs[i]!);
      STEPS.forEach((s, k) => {
        const own = done.get(`${d.key}/${s.id}`);
        const before = k > 0 ? done.get(`${d.key}/${STEPS[k - 1]!.id}`) : undefined;
        if (s.queue === 'gpu' && own && before) jobs.push({ ready: before.end, start: own.start, end: own.end });
      });
    });
    landedToStart.sort((a, b) => a - b);

    const pathBoundMs = Math.max(...dongs.map((d, i) => landedMs[i]! + pathMs(d)));
    const gpuBoundMs = gpuWorkMs / gpuSlots;
    const lowerBoundMs = Math.max(pathBoundMs, gpuBoundMs);
    const busy = gpuBusy(jobs, gpuSlots);
    const firstReadyMs = Math.min(...jobs.map((j) => j.ready));
    const lastGpuEndMs = Math.max(...jobs.map((j) => j.end));
    const firstDoneMs = Math.min(...dongs.map((d) => done.get(`${d.key}/${STEPS.at(-1)!.id}`)?.end ?? Infinity));
    const handoff = gpuHandoffMs(jobs);
    const stagedMs = stageByStageMs(dongs, landedMs, gpuSlots, config.cpuSlots);
    const idealMs = streamingIdealMs(dongs, landedMs, gpuSlots);
    const result: RoundResult = {
      gpu_slots: gpuSlots,
      makespan_s: round(makespanMs / 1000, 2),
      lower_bound_s: round(lowerBoundMs / 1000, 2),
      ratio: round(makespanMs / lowerBoundMs, 3),
      gpu_busy: round(busy.busy, 3),
      stage_by_stage_s: round(stagedMs / 1000, 2),
    };
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const firstDownloadEndMs = Math.min(...dongs.map((d, i) => landedMs[i]! + d.work[STEPS[0].id]));
    const lines = [
      `GPU_SLOTS=${gpuSlots}: run ${run.status}; makespan ${result.makespan_s} s (trigger to run end)` +
        `${retried ? `; ${retried} step attempts failed and were retried` : ''}`,
      `  lower bound ${result.lower_bound_s} s = ` +
        `max(a dong's landing + its whole path ${round(pathBoundMs / 1000, 2)} s, ` +
        `GPU work / slots ${round(gpuBoundMs / 1000, 2)} s)`,
      `  makespan / lower bound ${result.ratio} (target ≤ 1.05: ${met(result.ratio <= 1.05)})`,
      `  GPU busy ${round(busy.busy * 100, 1)} % of the slot time usable while GPU work was ready ` +
        `(${round(busy.readyS, 1)} s; ${round(busy.idleSlotS, 2)} slot-s idle) ` +
        `(target ≥ 95 %: ${met(busy.busy >= 0.95)})`,
      '  GPU step started after a slot was free and it was ready: ' +
        `p50 ${pct(handoff, 50)} ms, p95 ${pct(handoff, 95)} ms, max ${handoff.at(-1) ?? 0} ms`,
      `  stage by stage ${result.stage_by_stage_s} s ` +
        '(simulated, not run: same durations, landings and slots, no platform overhead) ' +
        `= ${round(stagedMs / makespanMs, 2)} × streaming`,
      '  the same streaming with no platform overhead ' +
        '(simulated: same landings and durations, a freed slot takes the longest-ready GPU step): ' +
        `${round(idealMs / 1000, 2)} s, ratio ${round(idealMs / lowerBoundMs, 3)}; ` +
        `the platform's share: ${round((makespanMs - idealMs) / 1000, 2)} s`,
      `  where the time went: first GPU step ready at ${round(firstReadyMs / 1000, 2)} s ` +
        `(a landing + its download: ${round(firstDownloadEndMs / 1000, 2)} s at the earliest); ` +
        `last GPU step ended at ${round(lastGpuEndMs / 1000, 2)} s; ` +
        `run ended ${round((makespanMs - lastGpuEndMs) / 1000, 2)} s later; ` +
        `first dong loaded at ${round(firstDoneMs / 1000, 2)} s`,
      `  dong landed → download started: p50 ${pct(landedToStart, 50)} ms, p95 ${pct(landedToStart, 95)} ms, ` +
        `max ${landedToStart.at(-1) ?? 0} ms; ${delivered}/${DONGS} itemReady signals delivered`,
    ];
    return { result, ok: run.status === 'succeeded', lines };
  } finally {
    await stopWorker(worker);
  }
}

const results: RoundResult[] = [];
let allOk = true;
try {
  const stepMs = dongs.flatMap((d) => STEPS.map((s) => d.work[s.id])).sort((a, b) => a - b);
  console.log(
    `${DONGS} dongs landing over ${CRAWL_MS / 1000} s (seed ${SEED}); ` +
      `steps: download (cpu) → ${GPU_STEPS.length} × gpu → load (cpu), ` +
      `lognormal durations clipped to ${MIN_STEP_MS}–${MAX_STEP_MS} ms (p50 ${pct(stepMs, 50)} ms); ` +
      `GPU work ${round(gpuWorkMs / 1000, 2)} s in all`,
  );
  for (const gpuSlots of GPU_SLOTS) {
    const { result, ok, lines } = await runRound(gpuSlots);
    for (const line of lines) console.log(line);
    results.push(result);
    allOk &&= ok;
  }
  console.log(JSON.stringify(results));
} finally {
  await (await temporal).connection.close();
  await db.$disconnect();
  await stack.stop();
}
process.exit(allOk ? 0 : 1);
