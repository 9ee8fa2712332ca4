// npm run bench:sandbox -- [--starts 200]
// What the step sandbox costs a command step: start-to-exit of `true` (a program that does nothing) run the way a
// worker runs a command step (workers/activities/command.ts), unsandboxed, sandboxed without network and sandboxed
// with its own network (slirp4netns), with the mounts of a typical step. Prints p50/p99 per mode; last line is JSON.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BoundedLog, runCommand } from '~/workers/activities/command';
import { pythonEnvMounts } from '~/workers/sandbox/sandbox';

const { values } = parseArgs({ options: { starts: { type: 'string', default: '200' } } });
const starts = Number(values.starts);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const root = await mkdtemp(path.join(os.tmpdir(), 'bench-sandbox-'));
const input = path.join(root, 'runs', 'r', 'items', 'a', 'previous');
const out = path.join(root, 'runs', 'r', 'items', 'a', 'step.attempt-1');
await Promise.all([mkdir(input, { recursive: true }), mkdir(out, { recursive: true })]);
const mounts = {
  readOnly: [process.cwd(), path.dirname(process.execPath), ...pythonEnvMounts(path.resolve('.venv')), input],
  writable: [out],
  hidden: [root, path.resolve('.data')],
};

type Mode = 'unsandboxed' | 'sandbox, no network' | 'sandbox, network';
const modes: Mode[] = ['unsandboxed', 'sandbox, no network', 'sandbox, network'];
const figures: Record<string, { p50_ms: number; p99_ms: number; mean_ms: number }> = {};
for (const mode of modes) {
  const times: number[] = [];
  for (let i = 0; i < starts + 5; i++) {
    const began = performance.now();
    const result = await runCommand(['true'], {
      cwd: process.cwd(),
      env: { PATH: '/usr/bin:/bin', HOME: '/tmp' },
      timeoutMs: 30_000,
      signal: new AbortController().signal,
      log: new BoundedLog(4096),
      sandbox: mode === 'unsandboxed' ? undefined : { mounts, network: mode === 'sandbox, network' },
    });
    if (result.exitCode !== 0) throw new Error(`${mode}: exit ${result.exitCode}`);
    if (i >= 5) times.push(performance.now() - began); // the first few warm the caches
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  figures[mode] = { p50_ms: +pct(times, 50).toFixed(1), p99_ms: +pct(times, 99).toFixed(1), mean_ms: +mean.toFixed(1) };
  console.log(`${mode.padEnd(20)} p50 ${figures[mode].p50_ms} ms, p99 ${figures[mode].p99_ms} ms (${starts} starts)`);
}
await rm(root, { recursive: true, force: true });
const base = figures.unsandboxed!;
console.log(
  JSON.stringify({
    starts,
    ...figures,
    sandbox_cost_p50_ms: +(figures['sandbox, network']!.p50_ms - base.p50_ms).toFixed(1),
    sandbox_cost_p99_ms: +(figures['sandbox, network']!.p99_ms - base.p99_ms).toFixed(1),
  }),
);
