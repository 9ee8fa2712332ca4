// In a real browser: a model's page shows each version's code read-only and highlighted (a tab per file), its pinned
// requirements, its weights and memory, the runs that used it and what it produced there (their displays and
// results, drawn by the cells' output renderers); an older version opens on a click.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '~/server/services/auth/users';
import { registerModelVersion } from '~/server/services/models/models';
import { launchBrowser, startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let portal: { url: string; process: ChildProcess };
let browser: BrowserContext;
const password = 'e2e password 123';
const viewerEmail = `model-viewer-${Date.now()}@example.com`;
const model = `captioner-${randomUUID().slice(0, 8)}`;
const slug = `captions-${randomUUID().slice(0, 8)}`;

const MODEL_PY = [
  'from brewline_model import InputError',
  'from captioning.text import tidy',
  '',
  '',
  'class Model:',
  '    batch_size = 8',
  '',
  '    def load(self, path, device):',
  '        self.words = open(f"{path}/words.txt").read().split()',
  '',
  '    def predict(self, batch):',
  '        return [{"caption": tidy(self.words, item)} for item in batch]',
  '',
].join('\n');
const TEXT_PY = 'def tidy(words, item):\n    return " ".join(words[: len(item)])  # the first words, one per letter\n';

beforeAll(async () => {
  t = await testContext();
  await createUser(t.db, { email: viewerEmail, name: 'Vera Viewer', role: 'viewer', password });
  await registerModelVersion(t.db, 'test', {
    name: model,
    task: 'image-captioning',
    artifactUri: 'file:///models/captioner/v1',
    framework: 'reference',
    runtime: 'python',
  });
  await registerModelVersion(t.db, 'test', {
    name: model,
    task: 'image-captioning',
    artifactUri: 'file:///models/captioner/v2',
    framework: 'torch',
    gpuMemoryMb: 1536,
    code: { entrypoint: 'model.py:Model', files: { 'model.py': MODEL_PY, 'captioning/text.py': TEXT_PY } },
    requirements: ['sentencepiece==0.2.1', 'timm==1.0.22'],
    aliases: ['production'],
  });
  await t.register({
    slug,
    name: 'Captions',
    params: { dongs: { type: 'string[]', default: ['mapo'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [{ id: 'caption', kind: 'noop', model: { name: model, alias: 'production' } }],
  });
  portal = await startPortal(t.env);
  browser = await launchBrowser();
  await mkdir('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  if (portal) await stopProcess(portal.process);
  await t?.close();
});

/** A finished run whose step used version 2 and showed a caption, written straight to the database. */
async function insertRun(): Promise<string> {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug }, include: { versions: true } });
  const run = await t.db.run.create({
    data: {
      pipelineId: pipeline.id,
      pipelineVersionId: pipeline.versions[0]!.id,
      trigger: 'manual',
      status: 'succeeded',
      workflowId: `model-page-${randomUUID()}`,
      itemsTotal: 1,
      itemsSucceeded: 1,
      models: { caption: { name: model, version: 2, alias: 'production', artifactUri: 'file:///models/captioner/v2' } },
      startedAt: new Date(),
      endedAt: new Date(),
    },
  });
  await t.db.itemRun.create({ data: { runId: run.id, key: 'mapo', ordinal: 0, status: 'succeeded' } });
  await t.db.stepRun.create({
    data: {
      runId: run.id,
      itemKey: 'mapo',
      stepId: 'caption',
      attempt: 1,
      queue: 'gpu',
      status: 'succeeded',
      endedAt: new Date(),
      result: { caption: 'a quiet corner cafe', model: `${model}@2` },
      displays: [{ kind: 'markdown', text: '## Captioned mapo\n\nA *quiet* corner cafe.' }],
    },
  });
  return run.id;
}

it('shows a version’s code, requirements, weights, memory, the runs that used it and its outputs', async () => {
  const runId = await insertRun();
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('pageerror', (err) => failures.push(err.message));
  await page.goto(`${portal.url}/signin`);
  await page.getByLabel('Email').fill(viewerEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/pipelines$/);
  await page.goto(`${portal.url}/models/${model}`);

  // the newest version is open: its code, highlighted, the entrypoint's file first
  const v2 = page.getByTestId('version-2');
  await v2.getByRole('heading', { name: 'Version 2' }).waitFor();
  const files = v2.getByRole('tablist', { name: 'Code of v2' });
  expect(await files.getByRole('tab').allTextContents()).toEqual(['model.py', 'captioning/text.py']);
  expect(await files.getByRole('tab', { name: 'model.py' }).getAttribute('aria-selected')).toBe('true');
  const code = v2.getByRole('tabpanel');
  const predict = code.getByText('def predict(self, batch):');
  await predict.waitFor();
  expect(await predict.isVisible()).toBe(true);
  // CodeMirror's highlighting: "def" and "class" are keywords, drawn apart from the names
  expect(await code.locator('.cm-line span').filter({ hasText: /^def$/ }).count()).toBeGreaterThan(0);
  expect(await code.getByRole('textbox', { name: 'model.py (read-only)' }).getAttribute('contenteditable')).toBe(
    'false',
  );
  // another file, by its tab
  await files.getByRole('tab', { name: 'captioning/text.py' }).click();
  await code.getByText('def tidy(words, item):').waitFor();

  // requirements, weights, memory, how it is served
  expect(await v2.getByRole('list', { name: 'Requirements of v2' }).getByRole('listitem').allTextContents()).toEqual([
    'sentencepiece==0.2.1',
    'timm==1.0.22',
  ]);
  expect(await v2.getByTestId('weights-uri').textContent()).toBe('file:///models/captioner/v2');
  expect(await v2.getByTestId('memory').textContent()).toBe('1,536 MB');
  await v2.getByText('its own code, model.py:Model').waitFor();

  // the run that used it, and what it produced there
  expect(await v2.getByTestId('used-by').getByRole('link').getAttribute('href')).toBe(`/runs/${runId}`);
  const sample = v2.getByTestId('model-sample');
  await sample.getByTestId('markdown-output').getByRole('heading', { name: 'Captioned mapo' }).waitFor();
  await sample.getByTestId('json-tree').getByText('"a quiet corner cafe"').waitFor();
  expect(await sample.getByRole('link', { name: slug }).getAttribute('href')).toBe(`/runs/${runId}`);
  await page.screenshot({ path: 'test-results/model-page.png', fullPage: true });

  // the older version, served by a runner, opens on a click: no code of its own, no requirements, no outputs
  const v1 = page.getByTestId('version-1');
  expect(await v1.getByTestId('code-view').count()).toBe(0);
  await v1.getByRole('button', { name: 'Version 1' }).click();
  await v1.getByText('No code of its own: served by runners/reference/runner.py.').waitFor();
  await v1.getByText("None beyond the runners' packages.").waitFor();
  expect(await v1.getByTestId('memory').textContent()).toBe('not stated');
  expect(failures).toEqual([]);
});
