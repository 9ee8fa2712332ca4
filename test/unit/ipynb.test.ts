// Jupyter notebooks and pipelines, both ways: what a person gets from importing a notebook (steps, ids, needs, the
// problems with their place in the notebook) and from exporting a version (cells, settings, a run's outputs).
import { describe, expect, it } from 'vitest';
import { notebookFromPipeline, pipelineFromNotebook } from '~/common/notebook/ipynb';
import { notebookPathText } from '~/common/notebook/nbformat';
import { pipelineSpecSchema } from '~/common/pipeline-spec';

const code = (source: string, brewline?: Record<string, unknown>) => ({
  cell_type: 'code',
  source: source.split(/(?<=\n)/),
  metadata: brewline ? { brewline } : {},
  outputs: [],
  execution_count: null,
});
const markdown = (source: string, brewline?: Record<string, unknown>) => ({
  cell_type: 'markdown',
  source,
  metadata: brewline ? { brewline } : {},
});
const notebook = (cells: unknown[], brewline?: Record<string, unknown>) => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3' }, ...(brewline ? { brewline } : {}) },
  cells,
});
const imported = (nb: unknown) => {
  const result = pipelineFromNotebook(nb, { slug: 'nb-demo', name: 'Notebook demo' });
  if (!result.spec) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.spec;
};
const problemsOf = (nb: unknown) =>
  pipelineFromNotebook(nb, { slug: 'nb-demo' }).problems.map((p) => `${notebookPathText(p.path)}: ${p.message}`);

const spec = pipelineSpecSchema.parse({
  slug: 'nb-round',
  name: 'Round trip',
  description: 'Cells of every kind',
  params: { dongs: { type: 'string[]', default: ['yeoksam'] }, limit: { type: 'integer', default: 10 } },
  items: { source: 'param', param: 'dongs' },
  python: { requirements: ['pandas==2.2.3'] },
  schedules: [{ name: 'nightly', cron: '0 2 * * *' }],
  steps: [
    { id: 'intro', kind: 'markdown', title: 'About', markdown: '# Cafes\n\nWhat this notebook does.\n' },
    { id: 'fetch', kind: 'command', command: ['node', 'fetch.mjs', '{item}', "it's"], scope: 'item' },
    {
      id: 'load',
      kind: 'python',
      code: 'import pandas as pd\n\nframe = pd.read_json("cafes.json")\nprint(len(frame))\n',
      needs: ['fetch'],
      queue: 'gpu',
      retry: { maxAttempts: 5 },
      secrets: { HF_TOKEN: 'hf-token' },
    },
    { id: 'archive', kind: 'shell', code: 'tar czf "$BREWLINE_OUTPUT_DIR/all.tgz" .', needs: ['load'], network: false },
    { id: 'summary', kind: 'python', code: 'print("done")', scope: 'after', needs: [] },
  ],
});

describe('notebook export and import', () => {
  it('gives back the same pipeline from its exported notebook (python, shell, markdown and a command step)', () => {
    const nb = notebookFromPipeline(spec, { load: { log: 'rows: 3\n', result: { rows: 3 } } }, { version: 4 });
    // through JSON, as a file on disk
    const back = imported(JSON.parse(JSON.stringify(nb)));
    expect(back).toEqual({ ...spec, slug: 'nb-demo', name: 'Notebook demo' });
  });

  it('reads top to bottom: a cell per step, code as source lines, the command step described in Markdown', () => {
    const nb = notebookFromPipeline(spec, {}, { version: 4 });
    expect(nb).toMatchObject({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'python3', language: 'python' },
        language_info: { name: 'python' },
        brewline: { slug: 'nb-round', name: 'Round trip', version: 4, python: { requirements: ['pandas==2.2.3'] } },
      },
    });
    expect(nb.cells.map((c) => [c.cell_type, c.id])).toEqual([
      ['markdown', 'intro'],
      ['markdown', 'fetch'],
      ['code', 'load'],
      ['code', 'archive'],
      ['code', 'summary'],
    ]);
    const [intro, fetch, load, archive] = nb.cells;
    expect(intro!.source).toEqual(['# Cafes\n', '\n', 'What this notebook does.\n']);
    expect(fetch!.source.join('')).toContain("node fetch.mjs {item} 'it'\\''s'");
    expect(fetch!.metadata.brewline).toEqual({
      step: { id: 'fetch', kind: 'command', needs: [], command: ['node', 'fetch.mjs', '{item}', "it's"] },
    });
    expect(load!.source).toEqual([
      'import pandas as pd\n',
      '\n',
      'frame = pd.read_json("cafes.json")\n',
      'print(len(frame))\n',
    ]);
    // only what differs from the defaults, and needs always (a cell without them would chain)
    expect(load!.metadata.brewline).toMatchObject({ id: 'load', queue: 'gpu', needs: ['fetch'] });
    expect(load!.metadata.brewline).not.toHaveProperty('scope');
    expect(archive!.source[0]).toBe('%%bash\n');
    expect(archive).toMatchObject({ execution_count: null, outputs: [] });
  });

  it('writes the same notebook whatever order the database kept the keys in', () => {
    // Postgres (jsonb) gives keys back in an order of its own
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reversed(v)]),
            )
          : value;
    const reordered = reversed(spec);
    expect(JSON.stringify(notebookFromPipeline(reordered as typeof spec))).toBe(
      JSON.stringify(notebookFromPipeline(spec)),
    );
  });

  it("holds a run's outputs as typed mime bundles", () => {
    const outputs = {
      load: {
        log: 'loading\nrows: 2\n',
        displays: [
          { kind: 'table', columns: ['name', 'score'], rows: [['A & B', 0.5]], shape: [40, 2] },
          { kind: 'image', file: 'displays/1.png', width: 64, height: 32 },
          { kind: 'image', file: 'displays/2.png' },
          { kind: 'vega-lite', spec: { mark: 'bar', data: { values: [{ a: 1 }] } } },
          { kind: 'markdown', text: '**bold**' },
          { kind: 'json', value: { k: [1, 2] } },
          { kind: 'text', text: 'plain words' },
        ],
        result: { rows: 2 },
      },
      archive: { log: 'tar: cannot open\n', error: 'exit code 2\nsee the log' },
    };
    const image = (stepId: string, file: string) =>
      stepId === 'load' && file === 'displays/1.png' ? { contentType: 'image/png', data: 'iVBORw0K' } : undefined;
    const nb = notebookFromPipeline(spec, outputs, { version: 4, runId: 'run-1', item: 'yeoksam', image });
    expect(nb.metadata.brewline).toMatchObject({ run: 'run-1', item: 'yeoksam' });
    const load = nb.cells.find((c) => c.id === 'load');
    const archive = nb.cells.find((c) => c.id === 'archive');
    if (load?.cell_type !== 'code' || archive?.cell_type !== 'code') throw new Error('code cells expected');
    expect(load.execution_count).toBe(1);
    expect(archive.execution_count).toBe(2);
    const [log, table, png, missing, chart, md, json, text, result] = load.outputs;
    expect(log).toEqual({ output_type: 'stream', name: 'stdout', text: ['loading\n', 'rows: 2\n'] });
    expect(table).toMatchObject({ output_type: 'display_data' });
    const html = (table as { data: Record<string, string[]> }).data['text/html']!.join('');
    expect(html).toContain('<th>name</th><th>score</th>');
    expect(html).toContain('<td>A &amp; B</td><td>0.5</td>');
    expect(html).toContain('showing 1 of 40 rows');
    expect(png).toEqual({
      output_type: 'display_data',
      data: { 'image/png': 'iVBORw0K', 'text/plain': ['<image displays/1.png>'] },
      metadata: { 'image/png': { width: 64, height: 32 } },
    });
    expect(missing).toMatchObject({ data: { 'text/plain': ['[image displays/2.png: not in the export]'] } });
    expect(chart).toMatchObject({
      data: { 'application/vnd.vegalite.v5+json': { mark: 'bar', data: { values: [{ a: 1 }] } } },
    });
    expect(md).toMatchObject({ data: { 'text/markdown': ['**bold**'] } });
    expect(json).toMatchObject({ data: { 'application/json': { k: [1, 2] } } });
    expect(text).toMatchObject({ data: { 'text/plain': ['plain words'] } });
    expect(result).toMatchObject({
      output_type: 'execute_result',
      execution_count: 1,
      data: { 'application/json': { rows: 2 } },
    });
    expect(archive.outputs.at(-1)).toEqual({
      output_type: 'error',
      ename: 'StepFailed',
      evalue: 'exit code 2',
      traceback: ['exit code 2', 'see the log'],
    });
  });
});

describe('notebook import', () => {
  it('reads a first-line "# brewline:" comment as the cell\'s settings and leaves it out of the code', () => {
    const back = imported(
      notebook([
        code('# brewline: id=download needs= scope=before\nprint("list")\n'),
        code(
          '# brewline: id=embed queue=gpu needs=download title="Embed \\"all\\" images" model=siglip@prod ' +
            'retries=5 timeout=30m network=off secrets=HF_TOKEN:hf-token\nimport torch\n',
          { queue: 'cpu', retry: { initialIntervalMs: 500 }, env: { MODE: 'fast' } },
        ),
        code('%%bash\n# brewline: id=pack\ntar czf out.tgz .\n'),
      ]),
    );
    const [download, embed, pack] = back.steps;
    expect(download).toMatchObject({
      id: 'download',
      kind: 'python',
      scope: 'before',
      needs: [],
      code: 'print("list")\n',
    });
    expect(embed).toMatchObject({
      id: 'embed',
      kind: 'python',
      title: 'Embed "all" images',
      // the comment wins over the metadata; retry and timeouts it sets in part
      queue: 'gpu',
      needs: ['download'],
      model: { name: 'siglip', alias: 'prod' },
      retry: { maxAttempts: 5, initialIntervalMs: 500 },
      timeouts: { startToCloseMs: 1_800_000 },
      network: false,
      secrets: { HF_TOKEN: 'hf-token' },
      env: { MODE: 'fast' },
      code: 'import torch\n',
    });
    expect(pack).toMatchObject({ id: 'pack', kind: 'shell', needs: ['embed'], code: 'tar czf out.tgz .\n' });
  });

  it('chains cells without needs top to bottom, names them, and runs for one sample item by default', () => {
    const back = imported(
      notebook([
        markdown('## Load the data\n\nFrom the crawl.'),
        code('# Load the data\nrows = [1, 2]\n'),
        markdown('Some notes'),
        code('total = sum(rows)\n'),
        { cell_type: 'raw', source: 'ignored', metadata: {} },
        code('\n'),
        code('print(total)\n', { id: 'show' }),
        code('print("alone")\n', { needs: [] }),
        code('print("first")\n', { scope: 'before' }),
        code('print("last")\n', { scope: 'after' }),
      ]),
    );
    expect(back.steps.map((s) => [s.id, s.kind, s.needs])).toEqual([
      ['load-the-data', 'markdown', []],
      ['load-the-data-2', 'python', []],
      ['md-2', 'markdown', []],
      ['cell-2', 'python', ['load-the-data-2']],
      ['show', 'python', ['cell-2']],
      ['cell-4', 'python', []],
      // a before step cannot need an item step: it runs first
      ['cell-5', 'python', []],
      ['cell-6', 'python', ['cell-5']],
    ]);
    expect(back.items).toEqual({ source: 'param', param: 'items' });
    expect(back.params.items).toMatchObject({ type: 'string[]', default: ['sample'] });
  });

  it("takes the pipeline's settings from the notebook's metadata", () => {
    const back = imported(
      notebook([code('print(1)\n')], {
        params: { dongs: { type: 'string[]', default: ['a', 'b'] } },
        items: { source: 'param', param: 'dongs' },
        python: { requirements: ['numpy==2.1.3'] },
        schedules: [{ name: 'daily', cron: '0 3 * * *' }],
      }),
    );
    expect(back).toMatchObject({
      slug: 'nb-demo',
      name: 'Notebook demo',
      items: { source: 'param', param: 'dongs' },
      python: { requirements: ['numpy==2.1.3'] },
      schedules: [{ name: 'daily', cron: '0 3 * * *' }],
    });
    expect(Object.keys(back.params)).toEqual(['dongs']);
  });

  it('refuses what is not an nbformat 4 notebook, naming the place', () => {
    expect(problemsOf('hello')).toEqual([': must be a notebook (a JSON object with nbformat, metadata and cells)']);
    expect(problemsOf({ nbformat: 3, cells: [] })).toEqual([
      'nbformat: must be 4 (Brewline reads nbformat 4 notebooks, as Jupyter writes them)',
    ]);
    expect(
      problemsOf(notebook([code('a = 1\n'), markdown('x'), code('b = 2\n'), { cell_type: 'code', source: 7 }, 'cell'])),
    ).toEqual([
      'cells[3].source: must be a string or a list of strings',
      'cells[4]: must be a cell (an object with cell_type and source)',
    ]);
  });

  it('reports bad settings where they are written: the comment in the source, the rest in the metadata', () => {
    expect(
      problemsOf(
        notebook([
          code('# brewline: id=a colour=red\nx = 1\n'),
          code('# brewline: title="unclosed\n'),
          code('%%time\nx = 1\n'),
          code('x = 1\n', { id: 'b', qeue: 'gpu', command: ['ls'] }),
          code('x = 1\n', { step: { id: 'c', kind: 'noop' } }),
        ]),
      ),
    ).toEqual([
      'cells[0].source: unknown setting "colour" in the brewline comment (known: id, title, queue, scope, needs, ' +
        'model, network, secrets, connection, retries, timeout)',
      'cells[1].source: the value of title has no closing quote',
      'cells[2].source: %%time does not run here: a code cell is Python, or shell under %%bash or %%sh',
      'cells[3].metadata.brewline.qeue: is not a cell setting (known: id, title, queue, scope, needs, env, ' +
        'secrets, connection, network, model, retry, timeouts)',
      'cells[3].metadata.brewline.command: belongs to a command step: a Markdown cell keeps one whole, under "step"',
      'cells[4].metadata.brewline.step: only a Markdown cell keeps a whole step: a code cell is its own step',
    ]);
    expect(
      problemsOf(
        notebook([
          code('x = 1\n', { id: 'a', queue: 'tpu' }),
          code('# brewline: id=b needs=ghost\ny = 2\n'),
          markdown('kept', { step: { id: 'c', kind: 'command' } }),
          code('# brewline: id=a\n'),
        ]),
      ),
    ).toEqual([
      'cells[0].metadata.brewline.queue: Invalid option: expected one of "cpu"|"gpu"',
      'cells[2].metadata.brewline.step.command: a command step needs a command (an argv array)',
      'cells[3].source: duplicate step id "a"',
      'cells[1].source: unknown step "ghost"',
    ]);
    expect(
      problemsOf(notebook([code('x = 1\n')], { items: { source: 'param', param: 'missing' }, colour: 'red' })),
    ).toEqual([
      'metadata.brewline.colour: is not a pipeline setting (known: description, tags, owner, params, items, ' +
        'maxInFlight, python, schedules, alerts, deadlineMs, retryFailedItems)',
    ]);
    expect(problemsOf(notebook([code('x = 1\n')], { items: { source: 'param', param: 'missing' } }))).toEqual([
      'metadata.brewline.items.param: must name a string[] param',
    ]);
  });
});
