// npm run bench:notebook [-- --cells 30 --tries 5]
// What a data scientist waits for in the notebook, in Chromium against the built portal, a real Temporal dev server,
// Postgres and a worker process:
//  - a trivial Python cell run on one item: from the click on "Run" to its first output line under the cell, and to
//    the cell finishing (its result shown), with its Python environment already built (median of --tries);
//  - a notebook of --cells cells (Python cells with displays, results and logs from an earlier run of every cell):
//    the server's answer for the page's data (pipelines.get, drafts.get, notebooks.outputs), navigation to the last
//    cell's code shown in its editor, and to that cell's stored output (its log) shown under it (median of 5,
//    looked for every 10 ms).
// Last line: { cell_first_output_ms, cell_done_ms, page_server_ms, page_usable_ms, page_outputs_ms }.
import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { createDb } from '~/server/db';
import { loadConfig } from '~/server/env';
import { signIn } from '~/server/services/auth/sessions';
import { createUser } from '~/server/services/auth/users';
import { registerPipeline } from '~/server/services/pipelines/register-pipeline';
import { triggerRun } from '~/server/services/runs/trigger-run';
import { createTemporalClient } from '~/server/temporal/client';
import { launchBrowser, startPortal } from '~/stack/portal';
import { stopProcess } from '~/stack/processes';
import { startBenchStack } from './support/stack';

const { values } = parseArgs({
  options: { cells: { type: 'string', default: '30' }, tries: { type: 'string', default: '5' } },
});
const CELLS = Number(values.cells);
const TRIES = Number(values.tries);
if (!(CELLS >= 2 && CELLS <= 500) || !(TRIES >= 1)) throw new Error('--cells must be 2 to 500, --tries at least 1');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** A cell of the big notebook: a log line, a small table, a metric and a result. */
const bigCell = (i: number) =>
  [
    'from brewline import item, display, log_metric, result',
    `print("cell ${i} on", item)`,
    `display([{"cell": ${i}, "item": item, "score": ${i} / 10}])`,
    `log_metric("score", ${i} / 10)`,
    `result({"cell": ${i}})`,
  ].join('\n');

const stack = await startBenchStack();
const env = { ...stack.env, BREWLINE_WORKER_LOG_LEVEL: 'ERROR' } as Record<string, string>;
const config = loadConfig(env);
const db = createDb(config.databaseUrl);
let client: ReturnType<typeof createTemporalClient> | undefined;
const temporal = () => (client ??= createTemporalClient(config.temporal));
let worker: ChildProcess | undefined;
let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
let browser: BrowserContext | undefined;
try {
  worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--queues', 'cpu'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    worker!.stdout!.on('data', (b: Buffer) => b.toString().includes('worker ready') && resolve());
    worker!.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });

  await registerPipeline(db, {
    slug: 'bench-cell',
    name: 'One cell',
    params: { items: { type: 'string[]', default: ['bench'] } },
    items: { source: 'param', param: 'items' },
    steps: [
      { id: 'hello', kind: 'python', code: 'from brewline import item, result\nprint("hello", item)\nresult(1)' },
    ],
  });
  await registerPipeline(db, {
    slug: 'bench-notebook',
    name: `A notebook of ${CELLS} cells`,
    params: { items: { type: 'string[]', default: ['bench'] } },
    items: { source: 'param', param: 'items' },
    steps: Array.from({ length: CELLS }, (_, i) =>
      i % 5 === 0
        ? { id: `notes-${i}`, kind: 'markdown', markdown: `## Part ${i / 5 + 1}\nWhat the next cells do.` }
        : { id: `cell-${i}`, kind: 'python', needs: i % 5 > 1 ? [`cell-${i - 1}`] : [], code: bigCell(i) },
    ),
  });
  // every cell of the big notebook has run once: its outputs are there to show
  const deps = { db, temporal, config };
  const runId = await triggerRun(deps, { pipelineSlug: 'bench-notebook', params: {}, trigger: 'manual' }).then(
    (r) => r.runId,
  );
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    if (run.status !== 'queued' && run.status !== 'running') {
      console.log(`the ${CELLS}-cell notebook ran once: ${run.status}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const email = `bench-${Date.now()}@example.com`;
  await createUser(db, { email, name: 'Bench', role: 'editor', password: 'bench password 1' });
  const { cookie } = await signIn(
    { db, limits: config.signInLimits },
    {
      email,
      password: 'bench password 1',
      address: null,
    },
  );
  portal = await startPortal(env);
  browser = await launchBrowser();
  await browser.addCookies([{ name: 'brewline_session', value: cookie, url: portal.url }]);

  // a trivial cell: click to first output line, and to its result
  const page = await browser.newPage();
  await page.goto(`${portal.url}/pipelines/bench-cell`);
  const cell = page.getByTestId('cell-hello');
  const first: number[] = [];
  const done: number[] = [];
  for (let i = 0; i <= TRIES; i++) {
    const timing = await runCell(cell, i);
    // the first try builds (or finds) the environment and warms the worker: not counted
    if (i === 0) console.log(`first run (environment built or found): ${ms(timing.done)}`);
    else {
      first.push(timing.first);
      done.push(timing.done);
    }
  }
  await page.close();
  console.log(
    `cell: first output line ${ms(median(first))} after the click, finished ${ms(median(done))} ` +
      `(median of ${TRIES}: ${first.map(ms).join(', ')} / ${done.map(ms).join(', ')})`,
  );

  // the big notebook: the server's answer for its data, then navigation to the last cell shown
  const server: number[] = [];
  for (let i = 0; i < 8; i++) {
    const started = performance.now();
    const json = { slug: 'bench-notebook' };
    const input = encodeURIComponent(JSON.stringify({ 0: { json }, 1: { json }, 2: { json } }));
    const res = await fetch(
      `${portal.url}/api/trpc/pipelines.get,drafts.get,notebooks.outputs?batch=1&input=${input}`,
      { headers: { cookie: `brewline_session=${cookie}` } },
    );
    const body = await res.text();
    if (!res.ok) throw new Error(`the page's data answered ${res.status}: ${body.slice(0, 300)}`);
    if (i > 0) server.push(performance.now() - started);
  }
  console.log(
    `server: the ${CELLS}-cell notebook's data answers in ${ms(median(server))} (median of ${server.length})`,
  );
  const last = `cell-${CELLS % 5 === 1 ? CELLS - 2 : CELLS - 1}`;
  const usable: number[] = [];
  const outputs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const tab = await browser.newPage();
    const started = performance.now();
    await tab.goto(`${portal.url}/pipelines/bench-notebook`, { waitUntil: 'commit' });
    const cell = tab.getByTestId(`cell-${last}`);
    usable.push(
      await shownAfter(
        started,
        cell.getByRole('textbox', { name: `Code of ${last}` }).getByText(`print("cell ${last.slice(5)} on", item)`),
      ),
    );
    outputs.push(await shownAfter(started, cell.getByRole('log').getByText(`cell ${last.slice(5)} on bench`)));
    await tab.close();
  }
  console.log(
    `browser: the ${CELLS}-cell notebook is usable ${ms(median(usable))} after navigation ` +
      `(median of ${usable.length}: ${usable.map(ms).join(', ')}), its stored outputs shown ${ms(median(outputs))} ` +
      `(${outputs.map(ms).join(', ')})`,
  );
  console.log(
    JSON.stringify({
      cells: CELLS,
      cell_first_output_ms: Math.round(median(first)),
      cell_done_ms: Math.round(median(done)),
      page_server_ms: Math.round(median(server)),
      page_usable_ms: Math.round(median(usable)),
      page_outputs_ms: Math.round(median(outputs)),
    }),
  );
} finally {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  if (worker) await stopProcess(worker);
  await db.$disconnect();
  if (client) await (await client).connection.close();
  await stack.stop();
}

/**
 * Milliseconds from `started` to the locator showing, looked for every 10 ms: a locator's waitFor looks less and less
 * often (0, 20, 50, 100, 100 ms apart, then every 500 ms), so what it times is mostly when it looked.
 */
async function shownAfter(started: number, locator: Locator, timeoutMs = 30_000): Promise<number> {
  for (;;) {
    if (await locator.isVisible()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${locator} not shown after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Clicks "Run" on the cell and times its first log line and its result appearing under it. */
async function runCell(cell: ReturnType<Page['getByTestId']>, attempt: number) {
  // live while it runs, then its stored output
  const output = cell.getByTestId(/^cell-(stored-)?output-hello$/);
  await cell.getByRole('button', { name: 'Run cell hello on item bench' }).waitFor({ timeout: 30_000 });
  // the previous run's output is replaced by this one's: its "run page" link names the new run
  const runLink = output.getByRole('link', { name: 'run page' });
  const before = attempt > 0 ? await runLink.getAttribute('href') : null;
  const started = performance.now();
  await cell.getByRole('button', { name: 'Run cell hello on item bench' }).click();
  if (before) await output.locator(`a[href^="/runs/"]:not([href="${before}"])`).waitFor({ timeout: 30_000 });
  await output.getByTestId('cell-log').getByText('hello bench').waitFor({ timeout: 120_000 });
  const first = performance.now() - started;
  await output.getByTestId('cell-result').getByText('1').waitFor({ timeout: 120_000 });
  return { first, done: performance.now() - started };
}
