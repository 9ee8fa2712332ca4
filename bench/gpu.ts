// npm run bench:gpu [-- --dongs 20 --size tiny|realistic --concurrency 4 --framework transformers|reference]
// The four model steps of the cafe pipeline for N dongs, done twice through real runner processes:
//   resident: one runner per model kept loaded, dongs processed `concurrency` at a time so their requests are
//             merged into batches across dongs;
//   reload:   the old way, a fresh runner per dong per step (start, load, infer, exit), one dong after another.
// With --framework transformers (the default) the models are the cafe pipeline's (CLIP, BLIP, Qwen2, SigLIP) built
// from configs by runners/transformers/build_models.py (cached in ~/.cache/brewline/bench-models/<size>); --size
// realistic (the default where nvidia-smi finds a GPU) is a CLIP ViT-B/16, a BLIP large, a 1.5B Qwen2 and a SigLIP
// base, tiny (the default on a CPU) the test models. Inputs are the sample dongs' images and reviews, cycled.
// With --framework reference the "model" is a hash of a --weights-mb file: the runner machinery and weight loading.
// Prints per-step throughput (images/s, tokens/s), model load times, GPU utilisation where nvidia-smi exists, and
// the ratio; the last line is one JSON object { device, dongs, resident_s, reload_s, speedup }.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ResolvedModel } from '~/common/model-ref';
import { buildCafeModels, type CafeModelKind } from '~/pipelines/cafe/models';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { ModelPool } from '~/workers/models/model-pool';

function gpuName(): string | null {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
  } catch {
    return null;
  }
}
const gpu = gpuName();
const device = gpu ?? `cpu (${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores)`;

const { values } = parseArgs({
  options: {
    dongs: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    framework: { type: 'string', default: 'transformers' },
    size: { type: 'string', default: gpu ? 'realistic' : 'tiny' },
    'weights-mb': { type: 'string', default: '200' },
  },
});
const dongs = Number(values.dongs);
const concurrency = Number(values.concurrency);
const size = values.size === 'realistic' ? 'realistic' : 'tiny';

interface Step {
  id: string;
  kind: CafeModelKind;
  /** the step's inputs for one dong */
  inputs: (dong: number) => Promise<unknown[]>;
}

// --- the dongs' inputs, from the sample crawl -----------------------------------------------------------------
const SAMPLE = path.resolve('pipelines/cafe/sample/crawl');
interface Cafe {
  id: string;
  name: string;
  images: string[];
  reviews: { text: string }[];
}
interface CrawledCafe extends Omit<Cafe, 'images'> {
  images: { url: string }[];
}
const crawlCache = new Map<number, Cafe[]>();
async function cafesOf(dong: number): Promise<Cafe[]> {
  const key = dong % DONGS.length;
  if (!crawlCache.has(key)) {
    const crawl = JSON.parse(await readFile(path.join(SAMPLE, `${DONGS[key]}.json`), 'utf8')) as {
      cafes: CrawledCafe[];
    };
    crawlCache.set(
      key,
      crawl.cafes.map((c) => ({ ...c, images: c.images.map((i) => path.join(SAMPLE, i.url)) })),
    );
  }
  return crawlCache.get(key)!;
}
const STEPS: Step[] = [
  {
    id: 'representative-images',
    kind: 'clip',
    inputs: async (d) => (await cafesOf(d)).flatMap((c) => c.images.map((image) => ({ image }))),
  },
  {
    id: 'describe-images',
    kind: 'vlm',
    inputs: async (d) =>
      (await cafesOf(d)).flatMap((c) => c.images.slice(0, 5).map((image) => ({ image, maxNewTokens: 30 }))),
  },
  {
    id: 'summarise-reviews',
    kind: 'text',
    inputs: async (d) =>
      (await cafesOf(d)).map((c) => ({
        prompt: `Reviews of "${c.name}":\n${c.reviews.map((r) => `- ${r.text}`).join('\n')}\nSummarise them:\n`,
        maxNewTokens: 64,
      })),
  },
  {
    id: 'embed',
    kind: 'siglip',
    inputs: async (d) =>
      (await cafesOf(d)).flatMap((c) => [
        ...c.images.slice(0, 5).map((image) => ({ image })),
        {
          text: c.reviews
            .map((r) => r.text)
            .join(' ')
            .slice(0, 200),
        },
      ]),
  },
];

// --- the models ------------------------------------------------------------------------------------------------
const tmp = await mkdtemp(path.join(os.tmpdir(), 'brewline-bench-gpu-'));
const models: Record<string, ResolvedModel> = {};
if (values.framework === 'reference') {
  for (const step of STEPS) {
    const weights = path.join(tmp, `${step.id}.bin`);
    await writeFile(weights, Buffer.alloc(Number(values['weights-mb']) * 1024 * 1024, step.id.length));
    models[step.id] = {
      name: step.id,
      version: 1,
      artifactUri: `file://${weights}`,
      framework: 'reference',
      runtime: 'python',
      gpuMemoryMb: 1,
    };
  }
} else {
  const started = performance.now();
  const built = buildCafeModels(path.join(os.homedir(), '.cache', 'brewline', 'bench-models', size), { size });
  console.log(
    `models (${size}) ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${Object.values(built)
      .map((b) => `${b.architecture} ${(b.params / 1e6).toFixed(1)}M`)
      .join(', ')}`,
  );
  for (const step of STEPS)
    models[step.id] = {
      name: step.id,
      version: 1,
      artifactUri: `file://${built[step.kind].dir}`,
      framework: values.framework!,
      runtime: 'python',
      gpuMemoryMb: built[step.kind].gpuMemoryMb,
    };
}

const newPool = () =>
  new ModelPool({
    memoryBudgetMb: 1_000_000,
    batchMax: 64,
    batchWaitMs: 10,
    cwd: process.cwd(),
    environment: process.env,
  });
const utilisation: number[] = [];
const sampler = setInterval(() => {
  try {
    utilisation.push(
      Number(
        execFileSync('nvidia-smi', ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], {
          encoding: 'utf8',
        })
          .trim()
          .split('\n')[0],
      ),
    );
  } catch {
    /* no GPU */
  }
}, 500);
const tokensOf = (outputs: unknown[]) =>
  outputs.reduce<number>(
    (n, o) => n + (typeof (o as { tokens?: unknown }).tokens === 'number' ? (o as { tokens: number }).tokens : 0),
    0,
  );
const imagesOf = (inputs: unknown[]) =>
  inputs.filter((i) => typeof i === 'object' && i !== null && 'image' in i).length;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

try {
  // resident: one pool, dongs `concurrency` at a time, each dong through the four steps in order
  const resident = newPool();
  // warm-up is part of the measurement: the first dong of each model pays its load once
  const per: Record<string, { ms: number; images: number; tokens: number; inputs: number }> = Object.fromEntries(
    STEPS.map((s) => [s.id, { ms: 0, images: 0, tokens: 0, inputs: 0 }]),
  );
  const residentStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let d = next++; d < dongs; d = next++) {
        for (const step of STEPS) {
          const inputs = await step.inputs(d);
          const t0 = performance.now();
          const outputs = await resident.infer(models[step.id]!, inputs);
          const s = per[step.id]!;
          s.ms += performance.now() - t0;
          s.images += imagesOf(inputs);
          s.tokens += tokensOf(outputs);
          s.inputs += inputs.length;
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
      await pool.infer(models[step.id]!, await step.inputs(d));
      reloadLoads.push(...pool.snapshot().loadMs);
      await pool.shutdown();
    }
  }
  const reloadS = (performance.now() - reloadStart) / 1000;
  const reloadUtil = utilisation.splice(0);

  const runnerSize = values.framework === 'reference' ? ` (weights ${values['weights-mb']} MB)` : ` (${size} models)`;
  console.log(
    `device: ${device}; runner "${values.framework}"${runnerSize}; ` +
      `${dongs} dongs, ${concurrency} at a time when resident`,
  );
  console.log(
    `resident: ${residentS.toFixed(2)} s; ${rs.loads} loads (mean ${mean(rs.loadMs).toFixed(0)} ms); ` +
      `batches of mean ${mean(rs.batchSizes).toFixed(1)} inputs (max ${Math.max(...rs.batchSizes)})`,
  );
  for (const step of STEPS) {
    const s = per[step.id]!;
    const busyS = s.ms / 1000 / concurrency; // concurrent dongs share the runner: wall time per step, roughly
    const rates = [
      s.images ? `${(s.images / busyS).toFixed(1)} images/s` : '',
      s.tokens ? `${(s.tokens / busyS).toFixed(0)} tokens/s` : '',
      `${(s.inputs / busyS).toFixed(1)} inputs/s`,
    ].filter(Boolean);
    console.log(`  ${step.id} (${step.kind}): ${rates.join(', ')}`);
  }
  console.log(
    `reload:   ${reloadS.toFixed(2)} s; ${reloadLoads.length} loads ` +
      `(mean ${mean(reloadLoads).toFixed(0)} ms, plus each process's start)`,
  );
  const utilisationNote = residentUtil.length
    ? `resident mean ${mean(residentUtil).toFixed(0)} %, reload mean ${mean(reloadUtil).toFixed(0)} %`
    : 'n/a (no nvidia-smi)';
  console.log(`GPU utilisation: ${utilisationNote}`);
  console.log(`speedup (reload / resident): ${(reloadS / residentS).toFixed(2)}×`);
  console.log(
    JSON.stringify({
      device,
      dongs,
      resident_s: Number(residentS.toFixed(2)),
      reload_s: Number(reloadS.toFixed(2)),
      speedup: Number((reloadS / residentS).toFixed(2)),
    }),
  );
} finally {
  clearInterval(sampler);
  await rm(tmp, { recursive: true, force: true });
}
