// In a real browser: a data scientist edits a pipeline as a notebook. Code in the editor becomes their draft (no
// version yet), a cell runs on one item with the unsaved code and its output appears under it, "all below" runs
// the next cell on that output, needs that form a cycle are shown at the cells, a Markdown cell is added, and Save
// makes version 2 with the diff of each changed cell. A notebook that ran shows each cell's stored output as it
// loads, as a saved Jupyter notebook does, and a click on a cell's code gives the editor, caret where it was.
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '~/server/services/auth/users';
import { codeHashOf } from '~/server/services/pipelines/cell-sources';
import { launchBrowser, startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let portal: { url: string; process: ChildProcess };
let browser: BrowserContext;

const password = 'e2e password 123';
const editorEmail = `nb-editor-${Date.now()}@example.com`;
const LOAD = [
  'from brewline import display, item, log_metric, result',
  'print(f"hello {item}")',
  "display([{'dong': item, 'letters': len(item)}])",
  "log_metric('letters', len(item))",
  "result({'letters': len(item)})",
].join('\n');
const REPORT = [
  '# the result of "load", from the inputs file the cell contract hands a cell',
  'letters=$(grep -o \'"letters": *[0-9]*\' "$BREWLINE_INPUTS_FILE" | grep -o \'[0-9]*$\')',
  'echo "report: $BREWLINE_ITEM has $letters letters"',
].join('\n');

beforeAll(async () => {
  t = await testContext();
  await createUser(t.db, { email: editorEmail, name: 'Nora Notebook', role: 'editor', password });
  await t.register({
    slug: 'e2e-cells',
    name: 'E2E cells',
    params: { dongs: { type: 'string[]', default: ['mapo'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'intro', kind: 'markdown', markdown: '# Cafes per dong\nCounts the letters first.' },
      { id: 'load', kind: 'python', code: LOAD, retry: { maxAttempts: 1 } },
      { id: 'report', kind: 'shell', needs: ['load'], code: REPORT, retry: { maxAttempts: 1 } },
    ],
  });
  await t.startWorkers();
  portal = await startPortal(t.env);
  browser = await launchBrowser();
  await mkdir('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  await t.close();
});

async function signIn(page: Page) {
  await page.goto(`${portal.url}/signin`);
  await page.getByLabel('Email').fill(editorEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
}

it('edits a cell into a draft, runs it and the cells below on an item, adds a Markdown cell and saves v2 with \
its diff', async () => {
  const page = await browser.newPage();
  await signIn(page);
  await page.goto(`${portal.url}/pipelines/e2e-cells`);
  const load = page.getByTestId('cell-load');
  const code = load.getByRole('textbox', { name: 'Code of load' });
  await code.getByText('print(f"hello {item}")').waitFor();
  await page.getByTestId('cell-intro').getByRole('heading', { name: 'Cafes per dong' }).waitFor();
  await page.getByRole('heading', { name: 'Parameters' }).waitFor();

  // typing in the editor starts a draft; the version stays as it was
  await code.click();
  // the code shown at first gives way to the editor, focused
  await load.locator('.cm-editor.cm-focused').waitFor();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nprint("edited in the notebook")');
  const bar = page.getByTestId('draft-bar');
  await bar.getByText('Draft — unsaved changes').waitFor();
  await bar.getByTestId('draft-state').getByText('kept as your draft').waitFor();
  await page.screenshot({ path: 'test-results/notebook-draft.png', fullPage: true });
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'e2e-cells' } });
  expect(pipeline.latestVersion).toBe(1);
  const draft = await t.db.pipelineDraft.findFirstOrThrow({ where: { pipelineId: pipeline.id } });
  const edited = `${LOAD}\nprint("edited in the notebook")`;
  expect((draft.spec as { steps: { id: string; code?: string }[] }).steps.find((s) => s.id === 'load')?.code).toBe(
    edited,
  );

  // the cell runs on the item with the unsaved code; its log, table, metric and result appear under it
  await load.getByRole('button', { name: 'Run cell load on item mapo' }).click();
  // live while it runs, then the stored output of the cell run: either may be under the cell as the test looks
  const output = load.getByTestId(/^cell-(stored-)?output-load$/);
  await output.getByTestId('cell-log').getByText('edited in the notebook').waitFor({ timeout: 60_000 });
  await output.getByTestId('cell-result').getByText('"letters": 4').waitFor();
  await output.getByTestId('cell-outputs').getByRole('cell', { name: 'mapo' }).waitFor();
  await output
    .getByTestId('cell-metrics')
    .getByText(/letters: 4/)
    .waitFor();
  const cellRun = await t.db.run.findFirstOrThrow({
    where: { pipelineId: pipeline.id, trigger: 'dev' },
    include: { pipelineVersion: true },
  });
  expect(cellRun.pipelineVersion.version).toBe(1);
  expect(JSON.stringify(cellRun.spec)).toContain(codeHashOf(edited));
  // once it has ended, the cell shows its stored output: this cell run's, the newest on the item
  await load.locator(`[data-testid="cell-stored-output-load"][data-run-id="${cellRun.id}"]`).waitFor();
  await output.getByTestId('cell-result').getByText('"letters": 4').waitFor();

  // this cell and every cell below, each on the previous one's output
  await load.getByRole('button', { name: 'Run cell load and all below on item mapo' }).click();
  const report = page.getByTestId('cell-report');
  await report
    .getByTestId(/^cell-(stored-)?output-report$/)
    .getByText('report: mapo has 4 letters')
    .waitFor({ timeout: 60_000 });
  await page.screenshot({ path: 'test-results/notebook-ran.png', fullPage: true });

  // needs that form a cycle are refused by the server and shown at each cell of it
  await load.getByLabel('Add a cell load needs').selectOption('report');
  await load
    .getByTestId('problems-load')
    .getByText(/is in a cycle/)
    .waitFor();
  await report
    .getByTestId('problems-report')
    .getByText(/is in a cycle/)
    .waitFor();
  await bar
    .getByTestId('draft-state')
    .getByText(/not kept/)
    .waitFor();
  await load.getByRole('button', { name: 'load no longer needs report' }).click();
  await bar.getByTestId('draft-state').getByText('kept as your draft').waitFor();
  expect(await load.getByTestId('problems-load').count()).toBe(0);

  // a Markdown cell below the last one, edited in place and rendered
  await report.getByRole('button', { name: 'Add a Markdown cell below report' }).click();
  const notes = page.getByTestId('cell-notes-1');
  await notes.getByRole('button', { name: 'Edit the Markdown of notes-1' }).click();
  await notes.getByRole('textbox', { name: 'Markdown of notes-1' }).click();
  await page.keyboard.type('## Findings');
  await notes.getByRole('button', { name: 'Done' }).click();
  await notes.getByRole('heading', { name: 'Findings' }).waitFor();
  await bar.getByTestId('draft-state').getByText('kept as your draft').waitFor();

  // Save: version 2, with each changed cell's lines
  await bar.getByRole('button', { name: 'Save as v2' }).click();
  const diff = page.getByTestId('publish-diff');
  await diff.getByText('Saved as v2. Changes from v1:').waitFor();
  await diff.getByTestId('cell-diff-load').getByText('+ print("edited in the notebook")').waitFor();
  await diff.getByTestId('cell-diff-notes-1').getByText('+ ## Findings').waitFor();
  await page.screenshot({ path: 'test-results/notebook-saved.png', fullPage: true });
  await page.getByText('e2e-cells · v2 (latest)').waitFor();
  expect((await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'e2e-cells' } })).latestVersion).toBe(2);
  expect(await t.db.pipelineDraft.count({ where: { pipelineId: pipeline.id } })).toBe(0);
  expect(await page.getByText('Draft — unsaved changes').count()).toBe(0);
});

it("shows each cell's stored output for the item as it loads; a click on code puts the caret there", async () => {
  await t.register({
    slug: 'e2e-stored',
    name: 'E2E stored outputs',
    params: { dongs: { type: 'string[]', default: ['mapo', 'hapjeong'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'load', kind: 'python', code: LOAD, retry: { maxAttempts: 1 } },
      { id: 'report', kind: 'shell', needs: ['load'], code: REPORT, retry: { maxAttempts: 1 } },
    ],
  });
  const runId = await t.trigger({ pipelineSlug: 'e2e-stored', params: { dongs: ['hapjeong', 'mapo'] } });
  expect((await t.waitForRun(runId)).status).toBe('succeeded');

  const page = await browser.newPage();
  await signIn(page);
  // the page as the server sends it already holds the outputs: nothing to wait for after it loads
  const html = await (await page.request.get(`${portal.url}/pipelines/e2e-stored`)).text();
  expect(html).toContain('hello hapjeong');
  expect(html).toContain('report: hapjeong has 8 letters');

  await page.goto(`${portal.url}/pipelines/e2e-stored`);
  // the latest run's first item, its table under the cell that displayed it, its log, result and metric
  const load = page.getByTestId('cell-load');
  const output = load.getByTestId('cell-stored-output-load');
  await output.getByTestId('cell-outputs').getByRole('cell', { name: 'hapjeong' }).waitFor();
  await output.getByTestId('cell-log').getByText('hello hapjeong').waitFor();
  await output.getByTestId('cell-result').getByText('"letters": 8').waitFor();
  await output
    .getByTestId('cell-metrics')
    .getByText(/letters: 8/)
    .waitFor();
  expect(await output.getByRole('link', { name: 'run page' }).getAttribute('href')).toBe(`/runs/${runId}`);
  await page
    .getByTestId('cell-report')
    .getByTestId('cell-stored-output-report')
    .getByText('report: hapjeong has 8 letters')
    .waitFor();
  expect(await page.getByLabel('Item to run cells on').inputValue()).toBe('hapjeong');
  await page.screenshot({ path: 'test-results/notebook-stored.png', fullPage: true });

  // another item: its own outputs, none of hapjeong's
  await page.getByLabel('Item to run cells on').fill('mapo');
  await output.getByTestId('cell-outputs').getByRole('cell', { name: 'mapo' }).waitFor();
  await output.getByTestId('cell-log').getByText('hello mapo').waitFor();
  expect(await output.getByText('hapjeong').count()).toBe(0);

  // a click at the end of a line of code: the editor, focused, the caret there
  const code = load.getByRole('textbox', { name: 'Code of load' });
  await code.getByText('print(f"hello {item}")').click();
  await load.locator('.cm-editor.cm-focused').waitFor();
  await page.keyboard.type('  # greets the dong');
  await page.getByTestId('draft-bar').getByTestId('draft-state').getByText('kept as your draft').waitFor();
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'e2e-stored' } });
  const draft = await t.db.pipelineDraft.findFirstOrThrow({ where: { pipelineId: pipeline.id } });
  expect((draft.spec as { steps: { id: string; code?: string }[] }).steps.find((s) => s.id === 'load')?.code).toBe(
    LOAD.replace('print(f"hello {item}")', 'print(f"hello {item}")  # greets the dong'),
  );
});
