// npm run bench:fanout -- --items 420 [--gpu-slots 1] [--max-in-flight 8]
// The cafe pipeline's shape (6 per-item steps: cpu, 4 × gpu, cpu; then a run-level step) with no-op steps,
// through a real Temporal dev server and Postgres, with the workers in a separate process.
// Prints wall time, steps/s, step-to-step latency percentiles and peak worker RSS; last line is JSON.
// Items in flight: 8 by default, not the pipelines' 50. No-op steps take no time, so every item in flight is always
// waiting for the machine: past what it serves at once, more items in flight add no throughput, only queueing to
// every step-to-step gap (items in flight / steps per second). Pass --max-in-flight 50 to see that.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startBenchStack } from './support/stack';
import { createDb } from '~/server/db';
import { loadConfig } from '~/server/env';
import { createTemporalClient } from '~/server/temporal/client';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { triggerRun } from '~/server/services/runs/trigger-run';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '420' },
    'gpu-slots': { type: 'string', default: '1' },
    'max-in-flight': { type: 'string', default: '8' },
  },
});
const items = Number(values.items);
const STEPS = [
  ['download-images', 'cpu'],
  ['representative-images', 'gpu'],
  ['describe-images', 'gpu'],
  ['summarise-reviews', 'gpu'],
  ['embed', 'gpu'],
  ['load', 'cpu'],
] as const;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const stack = await startBenchStack();
const env = { ...stack.env, GPU_SLOTS: values['gpu-slots'] };
const config = loadConfig(env);
const db = createDb(config.databaseUrl);
const worker = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
    '--import',
    'tsx',
    'workers/main.ts',
    '--queues',
    'cpu,gpu',
  ],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  worker.stdout!.on('data', (b: Buffer) => b.toString().includes('worker ready') && resolve());
  worker.on('exit', (code) => reject(new Error(`worker exited with ${code}`)));
});
let rss = 0;
const sampler = setInterval(async () => (rss = Math.max(rss, await peakRss(worker.pid!))), 500);

await registerPipeline(db, {
  slug: 'bench-fanout',
  name: 'Fan-out benchmark',
  params: { items: { type: 'string[]', default: [] } },
  items: { source: 'param', param: 'items' },
  maxInFlight: Number(values['max-in-flight']),
  steps: [
    ...STEPS.map(([id, queue], i) => ({ id, kind: 'noop', queue, needs: i ? [STEPS[i - 1]![0]] : [] })),
    { id: 'publish', kind: 'noop', scope: 'after' },
  ],
});
const temporal = createTemporalClient(config.temporal);
const started = Date.now();
const { runId } = await triggerRun(
  { db, temporal: () => temporal, config },
  { pipelineSlug: 'bench-fanout', params: { items: Array.from({ length: items }, (_, i) => `dong-${i}`) } },
);
let run: Awaited<ReturnType<typeof db.run.findUniqueOrThrow>>;
for (;;) {
  run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  if (run.endedAt) break;
  await new Promise((r) => setTimeout(r, 100));
}
const wallS = (run.endedAt!.getTime() - started) / 1000;
rss = Math.max(rss, await peakRss(worker.pid!));
clearInterval(sampler);

const steps = await db.stepRun.findMany({
  where: { runId, itemKey: { not: '' } },
  select: { itemKey: true, stepId: true, startedAt: true, endedAt: true },
});
const byItem = new Map<string, Map<string, { startedAt: Date; endedAt: Date | null }>>();
for (const s of steps) (byItem.get(s.itemKey) ?? byItem.set(s.itemKey, new Map()).get(s.itemKey)!).set(s.stepId, s);
const gaps: number[] = [];
for (const perStep of byItem.values())
  for (let i = 1; i < STEPS.length; i++) {
    const prev = perStep.get(STEPS[i - 1]![0]);
    const next = perStep.get(STEPS[i]![0]);
    if (prev?.endedAt && next) gaps.push(next.startedAt.getTime() - prev.endedAt.getTime());
  }
gaps.sort((a, b) => a - b);
const result = {
  items,
  wall_s: Math.round(wallS * 100) / 100,
  steps_per_s: Math.round((steps.length / wallS) * 10) / 10,
  p50_ms: pct(gaps, 50),
  p95_ms: pct(gaps, 95),
  p99_ms: pct(gaps, 99),
  peak_rss_mb: Math.round(rss),
};
console.log(
  `run ${run.status}: ${items} items × ${STEPS.length} steps ` +
    `(GPU_SLOTS=${values['gpu-slots']}, maxInFlight=${values['max-in-flight']})`,
);
console.log(`wall time ${result.wall_s} s, ${result.steps_per_s} steps/s`);
console.log(`step end → next step start: p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms`);
console.log(`peak worker RSS ${result.peak_rss_mb} MB`);
console.log(JSON.stringify(result));

worker.kill('SIGTERM');
await new Promise((r) => worker.once('exit', r));
await (await temporal).connection.close();
await db.$disconnect();
await stack.stop();
process.exit(run.status === 'succeeded' ? 0 : 1);
