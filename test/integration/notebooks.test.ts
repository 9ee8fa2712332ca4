// Jupyter notebooks through the API and the CLI: a notebook of tagged cells imported as a pipeline's version, and
// exported back as nbformat 4.5 that Jupyter's own validator (the Python nbformat package) accepts, with the outputs
// a run recorded for one of its items.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApiRequest } from '~/server/api/http';
import { createContext } from '~/server/api/trpc';
import { createArtifactStore } from '~/server/artifacts/store';
import { SCOPES } from '~/server/auth/actor';
import { createUser } from '~/server/services/auth/users';
import { nbformatPython, nbformatProblems } from '../support/nbformat';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const run = promisify(execFile);

const code = (source: string) => ({ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null });
const cafes = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    { cell_type: 'markdown', source: '# Cafes\n\nA notebook of three cells.', metadata: {} },
    code('# brewline: id=download scope=before title="Download the list"\nimport json\nprint(json.dumps([1, 2]))\n'),
    code('# brewline: id=score queue=gpu needs=download\nscores = {"a": 0.5}\nprint(scores)\n'),
    code('%%bash\n# brewline: id=report needs=score retries=2\necho "report for $BREWLINE_ITEM"\n'),
  ],
};

beforeAll(async () => {
  t = await testContext();
  await nbformatPython();
}, 300_000);
afterAll(() => t.close());

describe('notebooks', () => {
  it('imports a notebook of tagged cells as a version whose steps are its cells', async () => {
    const result = await t
      .api('editor')
      .notebooks.import({ notebook: cafes, slug: 'nb-cafes', name: 'Cafes notebook' });
    expect(result).toEqual({ slug: 'nb-cafes', version: 1, created: true });
    const { spec, name } = await t.api('viewer').pipelines.get({ slug: 'nb-cafes' });
    expect(name).toBe('Cafes notebook');
    expect(spec.steps.map((s) => [s.id, s.kind, s.scope, s.queue, s.needs])).toEqual([
      ['cafes', 'markdown', 'item', 'cpu', []],
      ['download', 'python', 'before', 'cpu', []],
      ['score', 'python', 'item', 'gpu', ['download']],
      ['report', 'shell', 'item', 'cpu', ['score']],
    ]);
    expect(spec.steps[1]).toMatchObject({
      title: 'Download the list',
      codeHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(spec.steps[3]?.retry.maxAttempts).toBe(2);
    // the same notebook again changes nothing
    expect(await t.api('editor').notebooks.import({ notebook: cafes, slug: 'nb-cafes' })).toMatchObject({
      version: 1,
      created: false,
    });
  });

  it('refuses a viewer, and a notebook with a problem, naming the cell', async () => {
    await expect(t.api('viewer').notebooks.import({ notebook: cafes, slug: 'nb-viewer' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const broken = { ...cafes, cells: [cafes.cells[0], code('# brewline: id=lonely needs=ghost\nx = 1\n')] };
    await expect(t.api('editor').notebooks.import({ notebook: broken, slug: 'nb-broken' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The notebook cannot become a pipeline: cells[1].source unknown step "ghost"',
    });
    expect(await t.db.pipeline.findUnique({ where: { slug: 'nb-broken' } })).toBeNull();
  });

  it('exports a version as a valid nbformat 4.5 notebook that imports back as the same version', async () => {
    const notebook = await t.api('viewer').notebooks.export({ slug: 'nb-cafes' });
    const json = JSON.stringify(notebook, null, 1);
    expect(await nbformatProblems(json)).toBe('');
    const { id: _id, ...withoutId } = notebook.cells[0]!;
    expect(await nbformatProblems(JSON.stringify({ ...notebook, cells: [withoutId] }))).toContain(
      'Cell is missing an id field',
    );
    expect(notebook).toMatchObject({ nbformat: 4, nbformat_minor: 5, metadata: { brewline: { version: 1 } } });
    expect(notebook.cells.map((c) => c.id)).toEqual(['cafes', 'download', 'score', 'report']);
    expect(notebook.cells[2]!.source).toEqual(['scores = {"a": 0.5}\n', 'print(scores)\n']);
    expect(notebook.cells[3]!.source).toEqual(['%%bash\n', 'echo "report for $BREWLINE_ITEM"\n']);
    expect(
      await t.api('editor').notebooks.import({ notebook: JSON.parse(json), slug: 'nb-cafes', name: 'Cafes notebook' }),
    ).toMatchObject({ version: 1, created: false });
  });

  it("holds one item's outputs from a run: its log, a table, an image, its result and a failure", async () => {
    const runId = await recordRun();
    const notebook = await t.api('viewer').notebooks.export({ slug: 'nb-cafes', runId, itemKey: 'yeoksam' });
    expect(await nbformatProblems(JSON.stringify(notebook))).toBe('');
    expect(notebook.metadata.brewline).toMatchObject({ version: 1, run: runId, item: 'yeoksam' });
    const [, download, score, report] = notebook.cells;
    if (download?.cell_type !== 'code' || score?.cell_type !== 'code' || report?.cell_type !== 'code')
      throw new Error('code cells expected');
    expect(download.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: ['[1, 2]\n'] }]);
    expect(score.execution_count).toBe(2);
    const [log, table, image, result] = score.outputs;
    // the latest attempt's
    expect(log).toEqual({ output_type: 'stream', name: 'stdout', text: ['second try\n'] });
    expect(JSON.stringify(table)).toContain('<td>Cafe A</td><td>0.5</td>');
    expect(image).toMatchObject({
      output_type: 'display_data',
      data: { 'image/png': PNG.toString('base64') },
      metadata: { 'image/png': { width: 1, height: 1 } },
    });
    expect(result).toMatchObject({ output_type: 'execute_result', data: { 'application/json': { cafes: 1 } } });
    expect(report.outputs.at(-1)).toMatchObject({ output_type: 'error', evalue: 'exit code 3' });
    await expect(
      t.api('viewer').notebooks.export({ slug: 'nb-cafes', runId, itemKey: 'nowhere' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: `item "nowhere" of run ${runId} not found` });
  });

  it('imports and exports from the command line, over HTTP with a token', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nb-cli-'));
    const server = await serveApi();
    try {
      const admin = await createUser(t.db, {
        email: `nb-admin-${Date.now()}@example.com`,
        name: 'Admin',
        role: 'admin',
        password: 'admin password 1',
      });
      const { token } = await t
        .api({ kind: 'user', id: admin.id, name: 'Admin', role: 'admin', scopes: SCOPES })
        .admin.createToken({ name: 'notebooks', role: 'editor', scopes: ['pipelines'] });
      const cli = (...args: string[]) =>
        run(process.execPath, ['packages/brewline-cli/bin.mjs', ...args], {
          env: { ...process.env, BREWLINE_URL: server.url, BREWLINE_TOKEN: token },
        });
      // a notebook saved by Jupyter, with the outputs of its last session: they stay behind
      const saved = {
        ...cafes,
        cells: cafes.cells.map((c) =>
          c.cell_type === 'code' ? { ...c, outputs: [{ output_type: 'stream', name: 'stdout', text: ['x\n'] }] } : c,
        ),
      };
      await writeFile(path.join(dir, 'cafes.ipynb'), JSON.stringify(saved));
      const imported = await cli('notebook', 'import', path.join(dir, 'cafes.ipynb'), '--slug', 'nb-cli');
      expect(imported.stdout).toBe('nb-cli: version 1 (new)\n');

      const file = path.join(dir, 'exported.ipynb');
      const exported = await cli('notebook', 'export', 'nb-cli', '--version', '1', '-o', file);
      expect(exported.stdout).toBe(`${file}: nb-cli version 1, 4 cells\n`);
      const text = await readFile(file, 'utf8');
      expect(await nbformatProblems(text)).toBe('');
      expect(JSON.parse(text)).toMatchObject({ metadata: { brewline: { slug: 'nb-cli', version: 1 } } });

      const runId = (await t.db.run.findFirstOrThrow({ where: { pipeline: { slug: 'nb-cafes' } } })).id;
      const withRun = path.join(dir, 'with-run.ipynb');
      await cli('notebook', 'export', 'nb-cafes', '--run', runId, '--item', 'yeoksam', '-o', withRun);
      expect(await readFile(withRun, 'utf8')).toContain(PNG.toString('base64'));

      const refused = await cli('notebook', 'export', 'nb-nothing').catch((e: { code: number; stderr: string }) => e);
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('pipeline "nb-nothing" not found') });
    } finally {
      server.close();
    }
  });
});

// a 1x1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A run of nb-cafes for two items as the worker records it (the python cells run in another test): the download
 * before the items, two attempts of score for yeoksam (a table, an image kept in the artifact store, a result),
 * and report failing.
 */
async function recordRun(): Promise<string> {
  const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'nb-cafes' } });
  const version = await t.db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: pipeline.id, version: 1 } });
  const runRow = await t.db.run.create({
    data: {
      pipelineId: pipeline.id,
      pipelineVersionId: version.id,
      trigger: 'manual',
      status: 'failed',
      workflowId: `nb-export-${Date.now()}`,
      params: { items: ['yeoksam', 'hapjeong'] },
    },
  });
  const runId = runRow.id;
  await t.db.itemRun.createMany({
    data: [
      { runId, key: 'yeoksam', ordinal: 0, status: 'failed' },
      { runId, key: 'hapjeong', ordinal: 1, status: 'succeeded' },
    ],
  });
  const step = (itemKey: string, stepId: string, attempt: number, fields: object) => ({
    runId,
    itemKey,
    stepId,
    attempt,
    queue: 'cpu',
    status: 'succeeded' as const,
    ...fields,
  });
  await t.db.stepRun.createMany({
    data: [
      step('', 'download', 1, { log: '[1, 2]\n' }),
      step('yeoksam', 'score', 1, { status: 'failed', log: 'first try\n', error: 'exit code 1' }),
      step('yeoksam', 'score', 2, {
        log: 'second try\n',
        displays: [
          { kind: 'table', columns: ['name', 'score'], rows: [['Cafe A', 0.5]], shape: [1, 2] },
          { kind: 'image', file: 'displays/1.png', width: 1, height: 1 },
        ],
        result: { cafes: 1 },
      }),
      step('yeoksam', 'report', 1, { status: 'failed', log: 'report for yeoksam\n', error: 'exit code 3' }),
      step('hapjeong', 'score', 1, { log: 'other item\n' }),
    ],
  });
  const png = path.join(await mkdtemp(path.join(os.tmpdir(), 'nb-png-')), '1.png');
  await writeFile(png, PNG);
  const store = createArtifactStore(t.config.artifacts);
  const uri = await store.put(`${runId}/items/yeoksam/score/2/displays/1.png`, png, {
    contentType: 'image/png',
    sha256: 'unused',
  });
  await t.db.artifact.create({
    data: {
      runId,
      itemKey: 'yeoksam',
      stepId: 'score',
      attempt: 2,
      name: 'displays/1.png',
      size: PNG.length,
      sha256: 'unused',
      contentType: 'image/png',
      uri,
    },
  });
  return runId;
}

/** The API over HTTP on a free port, as the portal serves it, with this test's database and configuration. */
async function serveApi(): Promise<{ url: string; close(): void }> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    const response = await handleApiRequest(request, {
      createContext: (opts) => createContext(opts, { db: t.db, config: t.config, temporal: t.temporal }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}
