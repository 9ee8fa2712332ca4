// In a real browser: the sample pipeline is listed, its notebook starts a run with a param, and the run page shows each
// dong's steps and updates without a reload until the run ends.
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { createUser } from '~/server/services/auth/users';
import { registerModelVersion } from '~/server/services/models/models';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { launchBrowser, startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let results: CafeResults;
let shared: string;
let portal: { url: string; process: ChildProcess };
let browser: BrowserContext;

const password = 'e2e password 123';
const editorEmail = `editor-${Date.now()}@example.com`;
const viewerEmail = `viewer-${Date.now()}@example.com`;
const adminEmail = `admin-${Date.now()}@example.com`;

beforeAll(async () => {
  // a folder the admin shares with every step's sandbox: the broken-items list a step reads lies there
  shared = await mkdtemp(path.join(os.tmpdir(), 'e2e-shared-'));
  await chmod(shared, 0o755);
  // two GPU slots: the sample's model cells (a Python process each) of two dongs at a time
  t = await testContext({ BREWLINE_STEP_SHARED_DIRS: shared, GPU_SLOTS: '2', ...cafeSecretKey() });
  // the sample's load cells write to its results database, through its connection
  results = await cafeResults(t);
  await createUser(t.db, { email: editorEmail, name: 'Eddie Editor', role: 'editor', password });
  await createUser(t.db, { email: viewerEmail, name: 'Vera Viewer', role: 'viewer', password });
  await createUser(t.db, { email: adminEmail, name: 'Ada Admin', role: 'admin', password });
  await t.register(cafeMonthly);
  await t.startWorkers();
  portal = await startPortal(t.env);
  browser = await launchBrowser();
  await mkdir('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  await results?.close();
  await t.close();
});

it('runs the sample pipeline from the portal and shows every dong finishing live', async () => {
  const page = await browser.newPage();
  await page.goto(`${portal.url}/pipelines`);
  // signed out: sent to sign in, then back
  await page.waitForURL(/\/signin/);
  await page.getByLabel('Email').fill(editorEmail);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Wrong email or password').waitFor();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
  await expect(page.getByTestId('whoami').textContent()).resolves.toContain('editor');
  const row = page.getByTestId('pipeline-cafe-monthly');
  await row.getByRole('heading', { name: 'Cafe monthly refresh' }).waitFor();
  await page.screenshot({ path: 'test-results/pipelines.png' });

  // the sample pipeline, from its notebook page, with params of the user's choice: four dongs, listed in a file in
  // a folder the admin shares with the steps (each dong's cells are six Python processes)
  const dongs = DONGS.slice(0, 4);
  const dongsFile = path.join(shared, 'four-dongs.json');
  await writeFile(dongsFile, JSON.stringify(dongs));
  await row.getByRole('link', { name: 'Cafe monthly refresh' }).click();
  await page.waitForURL(/\/pipelines\/cafe-monthly$/);
  await page.getByLabel(/^crawlDelayMs/).fill('150');
  await page.getByLabel(/^dongsFile/).fill(dongsFile);
  await page.getByRole('button', { name: 'Run with these params' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').pop()!;
  expect((await t.db.run.findUniqueOrThrow({ where: { id: runId } })).params).toMatchObject({ crawlDelayMs: 150 });

  // the grid lists every dong while the run is in progress, then reaches "succeeded" without a reload
  await page.getByTestId(`item-${dongs[0]}`).waitFor();
  expect(await page.locator('[data-testid^="item-"]').count()).toBe(dongs.length);
  await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 120_000 });
  expect(await page.locator('[data-testid="run-grid"] button[data-status="succeeded"]').count()).toBe(dongs.length * 7);
  await expect(page.getByTestId('run-counts').textContent()).resolves.toContain(`${dongs.length} succeeded`);
  await page.screenshot({ path: 'test-results/run.png', fullPage: true });

  // a cell shows its step's details
  await page.getByRole('button', { name: `${dongs[0]} Embeddings: succeeded` }).click();
  await page.getByRole('complementary').getByText('Attempts: 1').waitFor();
  // the step's files: the embeddings it wrote are listed and open in place
  await page
    .getByRole('complementary')
    .getByRole('heading', { name: /^Files/ })
    .waitFor();

  const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
  expect(run.status).toBe('succeeded');

  // the cafe notebook: the review-summary cell's code, edited and run on one dong with the unsaved code, shows
  // its new output under it, fed by that run; nothing is saved
  await page.goto(`${portal.url}/pipelines/cafe-monthly`);
  await page.getByLabel('Item to run cells on').fill(dongs[0]!);
  const summary = page.getByTestId('cell-summarise-reviews');
  await summary.getByRole('textbox', { name: 'Code of summarise-reviews' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nprint("edited summary:", summaries[0]["text"][:30])');
  await page.getByTestId('draft-bar').getByTestId('draft-state').getByText('kept as your draft').waitFor();
  await summary.getByRole('button', { name: `Run cell summarise-reviews on item ${dongs[0]}` }).click();
  await summary
    .getByTestId(/^cell-(stored-)?output-summarise-reviews$/)
    .getByTestId('cell-log')
    .getByText('edited summary:')
    .waitFor({ timeout: 120_000 });
  await page.screenshot({ path: 'test-results/cafe-notebook-edited.png', fullPage: true });
  expect((await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'cafe-monthly' } })).latestVersion).toBe(1);
  await page.getByTestId('draft-bar').getByRole('button', { name: 'Discard' }).click();
});

it('opens a failed item, reads its error and log, and retries just that item from its failed step', async () => {
  const list = path.join(shared, `e2e-broken-${Date.now()}.json`);
  await writeFile(list, JSON.stringify(['bad-dong']));
  await t.register({
    slug: 'e2e-retry',
    name: 'E2E retry',
    params: { dongs: { type: 'string[]', default: ['good-dong', 'bad-dong'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'fetch', kind: 'noop' },
      {
        id: 'check',
        kind: 'command',
        needs: ['fetch'],
        command: ['node', 'test/fixtures/steps/fail-if-listed.mjs', '--list', list],
      },
    ],
  });
  const page = await browser.newPage();
  await signInAs(page, editorEmail);
  await page.getByTestId('pipeline-e2e-retry').getByRole('button', { name: 'Run now' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await page.getByTestId('run-status').getByText('partially failed').waitFor({ timeout: 60_000 });

  await page.getByLabel('Filter items by status').selectOption('failed');
  expect(await page.locator('[data-testid^="item-"]').count()).toBe(1);
  await page.getByRole('button', { name: 'bad-dong check: failed' }).click();
  const panel = page.getByRole('complementary');
  await panel
    .getByTestId('attempt-error')
    .getByText(/bad input: bad-dong is listed as broken/)
    .waitFor();
  await expect(panel.getByTestId('attempt-log').first().textContent()).resolves.toContain(
    'bad-dong is listed as broken',
  );
  await page.screenshot({ path: 'test-results/run-failed-item.png', fullPage: true });

  // the cause is fixed; retry that one item
  await writeFile(list, '[]');
  await panel.getByRole('button', { name: 'Retry this item' }).click();
  await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 60_000 });
  await panel.getByText('Attempts: 2').waitFor();
  const runId = page.url().split('/').pop()!;
  const steps = await t.db.stepRun.findMany({
    where: { runId, itemKey: 'bad-dong' },
    orderBy: [{ stepId: 'asc' }, { attempt: 'asc' }],
  });
  // "fetch" ran once; "check" failed once and then succeeded
  expect(steps.map((s) => [s.stepId, s.attempt, s.status])).toEqual([
    ['check', 1, 'failed'],
    ['check', 2, 'succeeded'],
    ['fetch', 1, 'succeeded'],
  ]);

  for (const view of ['graph', 'timeline'] as const) {
    await page.getByLabel('Filter items by status').selectOption('all');
    await page.getByRole('tab', { name: view }).click();
    await page
      .getByRole('img', {
        name: view === 'graph' ? "The pipeline's steps and their counts" : 'Timeline of items over time',
      })
      .waitFor();
    await page.screenshot({ path: `test-results/run-${view}.png`, fullPage: true });
  }
  await expect(page.getByTestId('graph-step-check').count()).resolves.toBe(0); // the graph is not on the timeline tab
});

it('pauses a schedule and promotes a model version to an alias, each kept on record', async () => {
  await t.register({
    slug: 'e2e-sched',
    name: 'E2E scheduled',
    items: { source: 'param', param: 'dongs' },
    params: { dongs: { type: 'string[]', default: ['x'] } },
    steps: [{ id: 'a', kind: 'noop' }],
    schedules: [{ name: 'weekly', cron: '0 2 * * 6', timezone: 'Asia/Seoul' }],
  });
  await registerModelVersion(t.db, 'test', {
    name: 'e2e-ranker',
    task: 'image-ranking',
    artifactUri: 'file:///models/r1',
    framework: 'onnx',
    aliases: ['production'],
  });
  await registerModelVersion(t.db, 'test', {
    name: 'e2e-ranker',
    task: 'image-ranking',
    artifactUri: 'file:///models/r2',
    framework: 'onnx',
  });
  const page = await browser.newPage();
  await signInAs(page, editorEmail);

  // the pipelines list says when it runs
  await page.getByTestId('pipeline-e2e-sched').getByText('weekly on Saturday at 02:00 (Asia/Seoul)').waitFor();
  await page.getByRole('link', { name: 'Schedules' }).click();
  const row = page.getByTestId('schedule-e2e-sched-weekly');
  await row.getByText('weekly on Saturday at 02:00 (Asia/Seoul)').waitFor();
  await row.getByLabel('Note for weekly').fill('holiday week');
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByTestId('schedule-state').getByText('paused').waitFor();
  await row.getByText('“holiday week”').waitFor();
  await page.screenshot({ path: 'test-results/schedules.png', fullPage: true });
  const schedule = await t.db.schedule.findFirstOrThrow({ where: { pipeline: { slug: 'e2e-sched' } } });
  expect(schedule).toMatchObject({ paused: true, note: 'holiday week' });

  await page.getByRole('link', { name: 'Models' }).click();
  await page.getByRole('link', { name: 'e2e-ranker' }).click();
  await page.getByTestId('aliases').getByText('production → v1').waitFor();
  await page.getByLabel('Version').selectOption('2');
  await page.getByLabel('Note').fill('better recall');
  await page.getByRole('button', { name: 'Point alias at version' }).click();
  await page.getByTestId('aliases').getByText('production → v2').waitFor();
  await page
    .getByTestId('alias-history')
    .getByText(/moved production from v1 to v2 — “better recall”/)
    .waitFor();
  await page.screenshot({ path: 'test-results/model.png', fullPage: true });
  const alias = await t.db.modelAlias.findFirstOrThrow({
    where: { name: 'production', model: { name: 'e2e-ranker' } },
    include: { version: true },
  });
  expect(alias.version.version).toBe(2);
});

it('works a pipeline like a notebook: run with a param, run one cell on its own, edit a cell into a new \
version', async () => {
  await t.register({
    slug: 'e2e-notebook',
    name: 'E2E notebook',
    params: {
      dongs: { type: 'string[]', default: ['seongsu', 'mangwon'], description: 'Dongs to process' },
      limit: { type: 'integer', default: 5, min: 1, max: 10 },
    },
    items: { source: 'param', param: 'dongs' },
    steps: [
      { id: 'produce', kind: 'command', command: ['node', 'test/fixtures/steps/outputs.mjs', 'produce'] },
      {
        id: 'consume',
        kind: 'command',
        needs: ['produce'],
        command: [
          'node',
          'test/fixtures/steps/outputs.mjs',
          'consume',
          '--count',
          '{in.produce.result.count}',
          '--label',
          'nb',
        ],
      },
    ],
  });
  const page = await browser.newPage();
  await signInAs(page, editorEmail);
  await page.getByRole('link', { name: 'E2E notebook' }).click();
  await page.waitForURL(/\/pipelines\/e2e-notebook$/);
  // the form checks params as the user types, by the pipeline's own rules
  await page.getByLabel(/^limit/).fill('11');
  await page.getByRole('alert').getByText('limit must be at most 10').waitFor();
  await page.getByLabel(/^limit/).fill('3');
  await page.getByLabel(/^dongs/).fill('yeonhui');
  await page.screenshot({ path: 'test-results/notebook.png', fullPage: true });
  await page.getByRole('button', { name: 'Run with these params' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 60_000 });
  expect(await page.locator('[data-testid^="item-"]').count()).toBe(1);
  await page.getByTestId('item-yeonhui').waitFor();

  // back in the notebook, each cell shows its output for the item; one cell runs on its own
  await page.goto(`${portal.url}/pipelines/e2e-notebook`);
  const consume = page.getByTestId('cell-consume');
  await consume.getByText('Attempts: 1').waitFor();
  await page.getByTestId('cell-produce').getByRole('img', { name: 'pixel.png' }).waitFor();
  await consume.getByRole('button', { name: 'Run cell consume on item yeonhui' }).click();
  await consume.getByTestId('cell-output-consume').waitFor();
  await consume.getByText('succeeded').first().waitFor({ timeout: 30_000 });
  const cellRun = await t.db.run.findFirstOrThrow({
    where: { pipeline: { slug: 'e2e-notebook' }, trigger: 'dev' },
    include: { steps: true },
  });
  expect(cellRun.steps.map((s) => [s.itemKey, s.stepId, s.status])).toEqual([['yeonhui', 'consume', 'succeeded']]);

  // editing a cell's definition makes a draft; saving it makes a new version and shows what changed
  await consume.getByRole('button', { name: 'Edit cell consume' }).click();
  const editor = consume.getByLabel('Definition of consume');
  const edited = JSON.parse(await editor.inputValue()) as { retry: { maxAttempts: number } };
  edited.retry.maxAttempts = 2;
  await editor.fill(JSON.stringify(edited, null, 2));
  await consume.getByRole('button', { name: 'Apply to the draft' }).click();
  await page.getByTestId('draft-bar').getByRole('button', { name: 'Save as v2' }).click();
  await page.getByTestId('publish-diff').getByText('~ steps[consume].retry.maxAttempts: 3 → 2').waitFor();
  await page.screenshot({ path: 'test-results/notebook-edited.png', fullPage: true });
  expect((await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'e2e-notebook' } })).latestVersion).toBe(2);
});

it('lets an admin add a person and create an API token that is shown once and stored hashed', async () => {
  const page = await browser.newPage();
  await signInAs(page, adminEmail);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'People' }).waitFor();
  await page.getByLabel('Email').fill(`new-${Date.now()}@example.com`);
  await page.getByLabel('Name', { exact: true }).fill('Nia New');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Add person' }).click();
  // the browser's own check refuses it first; a valid one goes through
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Add person' }).click();
  await page.getByRole('cell', { name: 'Nia New' }).waitFor();

  await page.getByLabel('Token name').fill('recsys backend');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!;
  expect(token.length).toBeGreaterThan(20);
  await page.getByRole('cell', { name: 'recsys backend' }).waitFor();
  await page.screenshot({ path: 'test-results/admin.png', fullPage: true });
  const row = await t.db.apiToken.findFirstOrThrow({ where: { name: 'recsys backend' } });
  expect(row.tokenHash).not.toContain(token);
  expect(JSON.stringify(row)).not.toContain(token);
  expect(row.scopes).toEqual(['results']);

  // an editor is not shown the admin pages
  await signInAs(page, editorEmail);
  expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
});

async function signInAs(page: Page, email: string) {
  await page.context().clearCookies();
  await page.goto(`${portal.url}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
}

it('shows a viewer the pipelines without a Run button', async () => {
  const page = await browser.newPage();
  await page.context().clearCookies();
  await page.goto(`${portal.url}/signin`);
  await page.getByLabel('Email').fill(viewerEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
  await page.getByTestId('whoami').getByText('viewer').waitFor();
  await page.getByTestId('pipeline-cafe-monthly').waitFor();
  expect(await page.getByRole('button', { name: 'Run now' }).count()).toBe(0);
  // nor a way to run or edit in a pipeline's notebook
  await page.goto(`${portal.url}/pipelines/cafe-monthly`);
  await page.getByTestId('cell-publish').waitFor();
  expect(await page.getByRole('button', { name: /Run with these params|Run cell|Edit cell/ }).count()).toBe(0);
});
