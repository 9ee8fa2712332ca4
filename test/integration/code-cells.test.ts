// Code cells: Python and shell cells hold their code in the pipeline (stored once by hash), run in the pipeline's
// Python environment (built once per requirement set with uv) inside the sandbox, and hand on results, files,
// displays and metrics; a run keeps the code it started with.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let envsDir: string;
const api = () => t.api('editor');
const once = { maxAttempts: 1 };

beforeAll(async () => {
  // environments of this file's own, so that "built once" is seen from nothing
  envsDir = await mkdtemp(path.join(os.tmpdir(), 'cell-envs-'));
  t = await testContext({ BREWLINE_CELL_ENVS_DIR: envsDir });
  await t.startWorkers();
});
afterAll(() => t.close());

const notebook = (slug: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({
  slug,
  name: `Cells ${slug}`,
  params: { items: { type: 'string[]', default: [] }, greeting: { type: 'string', default: 'hello' } },
  items: { source: 'param', param: 'items' },
  steps,
  ...extra,
});

const stepRow = (runId: string, itemKey: string, stepId: string) =>
  t.db.stepRun.findFirstOrThrow({ where: { runId, itemKey, stepId }, orderBy: { attempt: 'desc' } });

describe('code cells', () => {
  it('runs Python and shell cells in order: item, params, inputs and files pass on; markdown runs \
nothing', async () => {
    await api().pipelines.push({
      spec: notebook('cells-chain', [
        { id: 'intro', kind: 'markdown', markdown: '# Counting cafes\nEach dong gets a count.' },
        {
          id: 'count',
          kind: 'python',
          retry: once,
          code: [
            'from brewline import item, params, out, result',
            "(out / 'cafes.txt').write_text(f'{params[\"greeting\"]} {item}\\n')",
            "result({'item': item, 'cafes': len(item)})",
          ].join('\n'),
        },
        {
          id: 'report',
          kind: 'shell',
          needs: ['count'],
          retry: once,
          code: [
            "dir=$(python - <<'PY'",
            'import json, os',
            "print(json.load(open(os.environ['BREWLINE_INPUTS_FILE']))['count']['dir'])",
            'PY',
            ')',
            'echo "read: $(cat "$dir/cafes.txt")"',
            'echo \'{"type":"metric","name":"lines","value":1}\' >> "$BREWLINE_EVENTS_FILE"',
            'printf \'{"ok": true, "item": "%s"}\' "$BREWLINE_ITEM" > "$BREWLINE_RESULT_FILE"',
          ].join('\n'),
        },
      ]),
    });
    const { runId } = await api().runs.trigger({
      pipelineSlug: 'cells-chain',
      params: { items: ['mapo', 'seocho'], greeting: 'hi' },
    });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded', itemsSucceeded: 2 });
    expect((await stepRow(runId, 'mapo', 'count')).result).toEqual({ item: 'mapo', cafes: 4 });
    const report = await stepRow(runId, 'seocho', 'report');
    expect(report.result).toEqual({ ok: true, item: 'seocho' });
    expect(report.log).toContain('read: hi seocho');
    expect(await t.db.stepMetric.findMany({ where: { runId, stepId: 'report' }, select: { name: true } })).toEqual([
      { name: 'lines' },
      { name: 'lines' },
    ]);
    // the markdown cell is not a step of the run
    expect(await t.db.stepRun.count({ where: { runId, stepId: 'intro' } })).toBe(0);
    expect((await api().runs.get({ runId })).steps.map((s) => s.id)).toEqual(['count', 'report']);
  });

  it('pins the code per run: a version pushed while a run goes does not change what that run executes', async () => {
    const cell = (v: number) => ({
      id: 'work',
      kind: 'python',
      retry: once,
      code: `import time\nfrom brewline import result\ntime.sleep(${v === 1 ? 3 : 0})\nresult({'version': ${v}})`,
    });
    const other = { id: 'same', kind: 'python', retry: once, code: 'print("unchanged")' };
    await api().pipelines.push({ spec: notebook('cells-pinned', [cell(1), other]) });
    const first = await api().runs.trigger({ pipelineSlug: 'cells-pinned', params: { items: ['a'] } });
    await api().pipelines.push({ spec: notebook('cells-pinned', [cell(2), other]) });
    const second = await api().runs.trigger({ pipelineSlug: 'cells-pinned', params: { items: ['a'] } });
    await t.waitForRun(first.runId);
    await t.waitForRun(second.runId);
    expect((await stepRow(first.runId, 'a', 'work')).result).toEqual({ version: 1 });
    expect((await stepRow(second.runId, 'a', 'work')).result).toEqual({ version: 2 });
    // the versions keep their code by hash: the unchanged cell is stored once
    const versions = await t.db.pipelineVersion.findMany({
      where: { pipeline: { slug: 'cells-pinned' } },
      orderBy: { version: 'asc' },
    });
    const hashes = versions.map((v) => (v.spec as { steps: { codeHash: string; code?: string }[] }).steps);
    expect(hashes[0]![1]!.codeHash).toBe(hashes[1]![1]!.codeHash);
    expect(hashes[0]![0]!.codeHash).not.toBe(hashes[1]![0]!.codeHash);
    expect(hashes.flat().some((s) => s.code !== undefined)).toBe(false);
    expect(await t.db.cellSource.count({ where: { hash: hashes[0]![1]!.codeHash } })).toBe(1);
    // a reader gets the code back inline
    const got = await api().pipelines.get({ slug: 'cells-pinned' });
    expect((got.spec as { steps: { code?: string }[] }).steps[1]!.code).toBe('print("unchanged")');
  });

  it('builds one environment per requirement set, shared by two pipelines, and cells import from it', async () => {
    const python = { requirements: ['six==1.16.0'] };
    const cell = {
      id: 'use',
      kind: 'python',
      retry: once,
      code: 'import six\nfrom brewline import result\nresult(six.__version__)',
    };
    await api().pipelines.push({ spec: notebook('cells-env-a', [cell], { python }) });
    await api().pipelines.push({ spec: notebook('cells-env-b', [cell], { python }) });
    const a = await api().runs.trigger({ pipelineSlug: 'cells-env-a', params: { items: ['x', 'y'] } });
    expect(await t.waitForRun(a.runId)).toMatchObject({ status: 'succeeded' });
    const envs = (await readdir(envsDir)).filter((d) => !d.includes('.building-'));
    const built = await stat(path.join(envsDir, envs.at(-1)!, '.brewline-ready'));
    const b = await api().runs.trigger({ pipelineSlug: 'cells-env-b', params: { items: ['z'] } });
    expect(await t.waitForRun(b.runId)).toMatchObject({ status: 'succeeded' });
    expect((await stepRow(b.runId, 'z', 'use')).result).toBe('1.16.0');
    // the second pipeline found the first one's environment: nothing new was built
    expect((await readdir(envsDir)).filter((d) => !d.includes('.building-'))).toEqual(envs);
    expect((await stat(path.join(envsDir, envs.at(-1)!, '.brewline-ready'))).mtimeMs).toBe(built.mtimeMs);
  });

  it('a requirement that cannot be installed fails the cell at once, naming it', async () => {
    await api().pipelines.push({
      spec: notebook('cells-bad-env', [{ id: 'use', kind: 'python', code: 'print(1)' }], {
        python: { requirements: ['brewline-no-such-package-zz==9.9.9'] },
      }),
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'cells-bad-env', params: { items: ['x'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed' });
    const row = await stepRow(runId, 'x', 'use');
    expect(row.error).toMatch(/brewline-no-such-package-zz/);
    expect(row.attempt).toBe(1);
  });

  it('a cell cannot write outside its output folder: its inputs, the program folder, the data folder', async () => {
    const targets = [path.resolve('cells-escape.txt'), path.resolve(t.config.dataDir, 'cells-escape.txt')];
    await api().pipelines.push({
      spec: notebook('cells-escape', [
        { id: 'first', kind: 'python', retry: once, code: "from brewline import out\n(out / 'a.txt').write_text('a')" },
        {
          id: 'second',
          kind: 'python',
          needs: ['first'],
          retry: once,
          code: [
            'import sys',
            'from brewline import inputs',
            `targets = ${JSON.stringify(targets)} + [str(inputs['first'].dir / 'b.txt')]`,
            'refused = 0',
            'for target in targets:',
            '    try:',
            "        open(target, 'w').write('escaped')",
            '    except OSError as e:',
            "        print('refused:', target, type(e).__name__)",
            '        refused += 1',
            'sys.exit(0 if refused == len(targets) else 3)',
          ].join('\n'),
        },
      ]),
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'cells-escape', params: { items: ['x'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
    const row = await stepRow(runId, 'x', 'second');
    expect(row.log.match(/refused:/g)?.length).toBe(3);
    for (const target of targets) expect(existsSync(target)).toBe(false);
  });

  it("a cell's output streams while it runs; a DataFrame and a chart arrive in the API as typed displays", async () => {
    await api().pipelines.push({
      spec: notebook(
        'cells-displays',
        [
          {
            id: 'show',
            kind: 'python',
            retry: once,
            code: [
              'import time',
              'import pandas as pd',
              'from brewline import display, log_metric, Markdown',
              "df = pd.DataFrame({'cafe': ['a', 'b', 'c'], 'score': [0.5, None, 2.0]})",
              'print("first line", flush=True)',
              'display(df)',
              'time.sleep(4)',
              "display({'$schema': 'https://vega.github.io/schema/vega-lite/v5.json', 'mark': 'bar',",
              "         'data': {'values': [{'x': 'a', 'y': 1}]}, 'encoding': {}})",
              "display(Markdown('**done**'))",
              "log_metric('score', 0.75, step=1)",
              'df.shape',
            ].join('\n'),
          },
        ],
        { python: { requirements: ['pandas==2.2.3'] } },
      ),
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'cells-displays', params: { items: ['x'] } });
    const attempts = async () => (await api().runs.attempts({ runId, itemKey: 'x', stepId: 'show' })).attempts;
    // while the cell sleeps, its first line and its table are already there
    await vi.waitFor(
      async () => {
        const [running] = await attempts();
        expect(running).toMatchObject({ status: 'running' });
        expect(running!.log).toContain('first line');
        expect(running!.displays.map((d) => d.kind)).toEqual(['table']);
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
    const [done] = await attempts();
    expect(done!.displays.map((d) => d.kind)).toEqual(['table', 'vega-lite', 'markdown', 'json']);
    expect(done!.displays[0]).toMatchObject({
      kind: 'table',
      columns: expect.arrayContaining(['cafe', 'score']),
      shape: [3, expect.any(Number)],
    });
    const table = done!.displays[0] as { columns: string[]; rows: unknown[][] };
    expect(table.rows.map((r) => r[table.columns.indexOf('score')])).toEqual([0.5, null, 2]);
    expect(done!.displays[1]).toMatchObject({ kind: 'vega-lite', spec: { mark: 'bar' } });
    expect(done!.displays[3]).toMatchObject({ kind: 'json', value: [3, 2] });
    expect(
      await t.db.stepMetric.findMany({ where: { runId }, select: { name: true, value: true, step: true } }),
    ).toEqual([{ name: 'score', value: 0.75, step: 1 }]);
  });

  it('a failed cell run is run again from its cell, not retried as a run', async () => {
    await api().pipelines.push({
      spec: notebook('cells-rerun', [{ id: 'fails', kind: 'python', retry: once, code: 'raise SystemExit(3)' }]),
    });
    const { runId } = await api().runs.runCell({ pipelineSlug: 'cells-rerun', stepId: 'fails', itemKey: 'x' });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed', trigger: 'dev' });
    await expect(api().runs.retryFailed({ runId })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('run the cell again'),
    });
  });

  it('a cell run reads the shared folder ({runDir}) of the run that fed it, and cannot change it', async () => {
    const read = [
      'import os',
      "shared = os.environ['BREWLINE_RUN_DIR']",
      "print(open(os.path.join(shared, 'landed.txt')).read())",
      'try:',
      "    open(os.path.join(shared, 'changed.txt'), 'w').write('x')",
      "    print('changed the shared folder')",
      'except OSError:',
      "    print('the shared folder is read-only')",
    ].join('\n');
    await api().pipelines.push({
      spec: notebook('cells-run-dir', [
        {
          id: 'land',
          kind: 'python',
          scope: 'before',
          retry: once,
          code: "import os\nopen(os.path.join(os.environ['BREWLINE_RUN_DIR'], 'landed.txt'), 'w').write('landed')",
        },
        { id: 'read', kind: 'python', retry: once, code: read },
      ]),
    });
    const full = await api().runs.trigger({ pipelineSlug: 'cells-run-dir', params: { items: ['x'] } });
    expect(await t.waitForRun(full.runId)).toMatchObject({ status: 'succeeded' });
    expect((await stepRow(full.runId, 'x', 'read')).log).toContain('changed the shared folder');
    const cell = await api().runs.runCell({ pipelineSlug: 'cells-run-dir', stepId: 'read', itemKey: 'x' });
    expect(await t.waitForRun(cell.runId)).toMatchObject({ status: 'succeeded' });
    const log = (await stepRow(cell.runId, 'x', 'read')).log;
    expect(log).toContain('landed');
    expect(log).toContain('the shared folder is read-only');
  });
});
