// In a real browser, the Jupyter round trip: an .ipynb of three tagged cells (Python, Python, %%bash) is imported on
// the pipelines page, runs there cell after cell on its item, and a run of it is exported from the run page as a
// notebook that Jupyter's own validator accepts, with the item's outputs under its cells.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '~/server/services/auth/users';
import { nbformatProblems } from '../support/nbformat';
import { launchBrowser, startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let portal: { url: string; process: ChildProcess };
let browser: BrowserContext;
const password = 'e2e password 123';
const email = `jupyter-${Date.now()}@example.com`;
const slug = `jupyter-${Date.now().toString(36)}`;

const cell = (source: string[], type = 'code') => ({
  cell_type: type,
  metadata: {},
  source: source.map((line, i) => (i < source.length - 1 ? `${line}\n` : line)),
  ...(type === 'code' ? { outputs: [], execution_count: null } : {}),
});
const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    cell(['# Cafés by letter', 'Counts, then scores, then reports.'], 'markdown'),
    cell(['# brewline: id=fetch', 'from brewline import item, result', 'print("fetched", item)', 'result({"n": 3})']),
    cell([
      '# brewline: id=score needs=fetch',
      'from brewline import inputs, display, result',
      'n = inputs["fetch"].result["n"]',
      'display([{"cafe": f"cafe-{i}", "score": i * 10} for i in range(n)])',
      'result({"best": (n - 1) * 10})',
    ]),
    cell(['%%bash', '# brewline: id=report needs=score', 'echo "report for $BREWLINE_ITEM ready"']),
  ],
};

beforeAll(async () => {
  t = await testContext();
  await createUser(t.db, { email, name: 'Jo Jupyter', role: 'editor', password });
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
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
}

it('imports a tagged .ipynb, runs its cells on an item, and exports a run as a valid notebook with \
outputs', async () => {
  const page = await browser.newPage();
  await signIn(page);

  // import: the pipelines page takes the file, a slug, and opens the new pipeline's notebook
  await page.getByRole('button', { name: 'Import .ipynb' }).click();
  const form = page.getByRole('form', { name: 'Import a notebook' });
  await form.getByLabel('Notebook (.ipynb)').setInputFiles({
    name: 'cafes.ipynb',
    mimeType: 'application/x-ipynb+json',
    buffer: Buffer.from(JSON.stringify(notebook)),
  });
  await form.getByLabel('Slug').fill(slug);
  await form.getByRole('button', { name: 'Import' }).click();
  await page.waitForURL(new RegExp(`/pipelines/${slug}$`));
  await page.getByTestId('cell-fetch').waitFor();
  const version = await t.db.pipelineVersion.findFirstOrThrow({ where: { pipeline: { slug } } });
  const steps = (version.spec as { steps: { id: string; kind: string; needs: string[] }[] }).steps;
  expect(steps.map((s) => [s.id, s.kind, s.needs])).toEqual([
    [expect.any(String), 'markdown', []],
    ['fetch', 'python', []],
    ['score', 'python', ['fetch']],
    ['report', 'shell', ['score']],
  ]);

  // the three cells run one after another on the notebook's item, each on the one above's output
  await page
    .getByTestId('cell-fetch')
    .getByRole('button', { name: 'Run cell fetch and all below on item sample' })
    .click();
  await page
    .getByTestId('cell-score')
    .getByTestId('cell-outputs')
    .getByRole('cell', { name: 'cafe-2' })
    .waitFor({ timeout: 90_000 });
  await page.getByTestId('cell-report').getByText('report for sample ready').waitFor({ timeout: 90_000 });
  await page.screenshot({ path: 'test-results/notebook-imported.png', fullPage: true });

  // a run of the whole notebook, exported from its run page with the item's outputs
  const { runId } = await t.api('editor').runs.trigger({ pipelineSlug: slug, params: {} });
  expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
  await page.goto(`${portal.url}/runs/${runId}`);
  await page.getByRole('button', { name: 'sample score: succeeded' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: /as a notebook with sample outputs/ }).click();
  const file = await (await downloading).path();
  const json = await readFile(file, 'utf8');
  expect(await nbformatProblems(json)).toBe('');
  const exported = JSON.parse(json) as {
    cells: { cell_type: string; id: string; source: string[]; outputs?: { output_type: string; data?: object }[] }[];
  };
  const byId = Object.fromEntries(exported.cells.map((c) => [c.id, c]));
  expect(byId.fetch?.outputs?.map((o) => o.output_type)).toContain('stream');
  expect(byId.score?.outputs?.some((o) => o.output_type === 'display_data' && 'text/html' in (o.data ?? {}))).toBe(
    true,
  );
  expect(byId.report?.source.join('')).toContain('echo "report for $BREWLINE_ITEM ready"');
});
