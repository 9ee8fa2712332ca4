// npm run bench:gpu [-- --dongs 20 --inputs 25 --weights-mb 200 --framework reference]
// The four model steps of the cafe pipeline for N dongs, done twice through real runner processes:
//   resident: one runner per model kept loaded, dongs processed 4 at a time so their requests are batched;
//   reload:   the old way, a fresh runner per dong per step (load, infer, exit), one dong after another.
// Prints per-step throughput (inputs/s), model load times, GPU utilisation where nvidia-smi exists, and the
// ratio; the last line is one JSON object { device, dongs, resident_s, reload_s, speedup }.
// With --framework reference (the default, dependency-free runner) the "model" is a hash of its weights file,
// so the figures measure the runner machinery and the cost of loading weights of --weights-mb, not a network's
// compute; point --framework at a real runner (runners/<name>/runner.py) to measure real models on a GPU.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ResolvedModel } from '~/common/model-ref';
import { ModelPool } from '~/workers/models/model-pool';

const { values } = parseArgs({
  options: {
    dongs: { type: 'string', default: '20' },
    inputs: { type: 'string', default: '25' },
    'weights-mb': { type: 'string', default: '200' },
    framework: { type: 'string', default: 'reference' },
    concurrency: { type: 'string', default: '4' },
  },
});
const dongs = Number(values.dongs);
const perDong = Number(values.inputs);
const STEPS = ['representative-images', 'describe-images', 'summarise-reviews', 'embed'];

function device(): string {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return `cpu (${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores)`;
  }
}

function gpuUtilisation(): number | null {
  try {
    return Number(execFileSync('nvidia-smi', ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], { encoding: 'utf8' }).trim().split('\n')[0]);
  } catch {
    return null;
  }
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'brewline-bench-gpu-'));
const models: Record<string, ResolvedModel> = {};
for (const step of STEPS) {
  const weights = path.join(tmp, `${step}.bin`);
  await writeFile(weights, Buffer.alloc(Number(values['weights-mb']) * 1024 * 1024, step.length));
  models[step] = { name: step, version: 1, artifactUri: `file://${weights}`, framework: values.framework!, runtime: 'python', gpuMemoryMb: 1 };
}
const inputsOf = (dong: number) => Array.from({ length: perDong }, (_, i) => ({ text: `dong-${dong} input-${i}` }));
const newPool = () => new ModelPool({ memoryBudgetMb: 1_000_000, batchMax: 64, batchWaitMs: 10, cwd: process.cwd() });
const utilisation: number[] = [];
const sampler = setInterval(() => {
  const u = gpuUtilisation();
  if (u !== null) utilisation.push(u);
}, 500);

try {
  // resident: one pool, dongs `concurrency` at a time, each dong through the four steps in order
  const resident = newPool();
  const stepMs: Record<string, number> = Object.fromEntries(STEPS.map((s) => [s, 0]));
  const residentStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      for (let d = next++; d < dongs; d = next++) {
        for (const step of STEPS) {
          const t0 = performance.now();
          await resident.infer(models[step]!, inputsOf(d));
          stepMs[step]! += performance.now() - t0;
        }
      }
    }),
  );
  const residentS = (performance.now() - residentStart) / 1000;
  const rs = resident.snapshot();
  await resident.shutdown();
  const residentUtil = utilisation.splice(0);

  // reload: a fresh runner per dong per step, one after another
  const reloadStart = performance.now();
  const reloadLoads: number[] = [];
  for (let d = 0; d < dongs; d++) {
    for (const step of STEPS) {
      const pool = newPool();
      await pool.infer(models[step]!, inputsOf(d));
      reloadLoads.push(...pool.snapshot().loadMs);
      await pool.shutdown();
    }
  }
  const reloadS = (performance.now() - reloadStart) / 1000;
  const reloadUtil = utilisation.splice(0);

  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  console.log(`device: ${device()}; runner framework "${values.framework}"; ${dongs} dongs × ${perDong} inputs × ${STEPS.length} model steps; weights ${values['weights-mb']} MB per model`);
  console.log(`resident: ${residentS.toFixed(2)} s; ${rs.loads} loads (mean ${mean(rs.loadMs).toFixed(0)} ms); batches of mean ${mean(rs.batchSizes).toFixed(1)} inputs (max ${Math.max(...rs.batchSizes)})`);
  for (const step of STEPS) console.log(`  ${step}: ${((dongs * perDong) / (stepMs[step]! / 1000 / Number(values.concurrency))).toFixed(0)} inputs/s`);
  console.log(`reload:   ${reloadS.toFixed(2)} s; ${reloadLoads.length} loads (mean ${mean(reloadLoads).toFixed(0)} ms); ${((dongs * perDong * STEPS.length) / reloadS).toFixed(0)} inputs/s overall`);
  console.log(`GPU utilisation: ${residentUtil.length ? `resident mean ${mean(residentUtil).toFixed(0)} %, reload mean ${mean(reloadUtil).toFixed(0)} %` : 'n/a (no nvidia-smi)'}`);
  console.log(`speedup (reload / resident): ${(reloadS / residentS).toFixed(2)}×`);
  console.log(JSON.stringify({ device: device(), dongs, resident_s: Number(residentS.toFixed(2)), reload_s: Number(reloadS.toFixed(2)), speedup: Number((reloadS / residentS).toFixed(2)) }));
} finally {
  clearInterval(sampler);
  await rm(tmp, { recursive: true, force: true });
}
