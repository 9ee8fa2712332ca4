// The `brewline` module a Python cell imports, in real Python processes of the runners' environment, each given
// the cell contract by hand (context, inputs, result and events files, an output folder, a model socket): what a
// cell reads, the result and displays it leaves, how it ends (bad input, failure), and inference over the socket.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PYTHON = path.resolve('.venv/bin/python');
const CELLS_PYTHONPATH = path.resolve('cells/python');

interface CellSetup {
  params?: Record<string, unknown>;
  inputs?: Record<string, { files: Record<string, string>; result: unknown }>;
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  socket?: string;
}

interface CellOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the events file, one parsed object per line */
  events: Record<string, unknown>[];
  eventLines: string[];
  /** the result file, parsed; undefined when the cell wrote none */
  result: unknown;
  out: string;
}

let root: string;
let cellCount = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cell-module-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs `code` as a cell of the step "embed" for the item "dong-7", the way the worker does. */
async function runCell(code: string, setup: CellSetup = {}): Promise<CellOutcome> {
  const dir = path.join(root, `cell-${++cellCount}`);
  const out = path.join(dir, 'out');
  await mkdir(out, { recursive: true });
  const inputs: Record<string, { dir: string; result: unknown; files: number }> = {};
  for (const [step, input] of Object.entries(setup.inputs ?? {})) {
    const stepDir = path.join(dir, 'inputs', step);
    for (const [file, text] of Object.entries(input.files)) {
      await mkdir(path.dirname(path.join(stepDir, file)), { recursive: true });
      await writeFile(path.join(stepDir, file), text);
    }
    inputs[step] = { dir: stepDir, result: input.result, files: Object.keys(input.files).length };
  }
  const context = {
    run: { id: 'run-42', pipeline: 'cafe-monthly' },
    item: 'dong-7',
    step: 'embed',
    attempt: 2,
    params: setup.params ?? {},
    secrets: setup.secrets ?? {},
    model: setup.socket ? 'clip' : null,
  };
  const files = {
    context: path.join(dir, 'context.json'),
    inputs: path.join(dir, 'inputs.json'),
    result: path.join(dir, 'result.json'),
    events: path.join(dir, 'events.jsonl'),
    cell: path.join(dir, 'cell.py'),
  };
  await writeFile(files.context, JSON.stringify(context));
  await writeFile(files.inputs, JSON.stringify(inputs));
  await writeFile(files.cell, code);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PYTHONPATH: CELLS_PYTHONPATH,
    BREWLINE_RUN_ID: context.run.id,
    BREWLINE_ITEM: context.item,
    BREWLINE_STEP: context.step,
    BREWLINE_ATTEMPT: String(context.attempt),
    BREWLINE_OUTPUT_DIR: out,
    BREWLINE_INPUTS_FILE: files.inputs,
    BREWLINE_RESULT_FILE: files.result,
    BREWLINE_CONTEXT_FILE: files.context,
    BREWLINE_EVENTS_FILE: files.events,
    ...(setup.socket ? { BREWLINE_SOCKET: setup.socket } : {}),
    ...setup.env,
  };
  const { code: exitCode, stdout, stderr } = await runPython(files.cell, dir, env);
  const eventLines = ((await readIfWritten(files.events)) ?? '').split('\n').filter(Boolean);
  const resultText = await readIfWritten(files.result);
  return {
    code: exitCode,
    stdout,
    stderr,
    eventLines,
    events: eventLines.map((line) => JSON.parse(line) as Record<string, unknown>),
    result: resultText === undefined ? undefined : JSON.parse(resultText),
    out,
  };
}

/** The process a worker starts for a python cell: <python> -u -m brewline._cell <file>, with the cell's variables
 * only (NODE_ENV: Node's typing of an environment asks for it). */
function runPython(
  file: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-u', '-m', 'brewline._cell', file], {
      cwd,
      env: { NODE_ENV: process.env.NODE_ENV, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A file the cell may not have written. */
async function readIfWritten(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

/** Width and height from a PNG file's header. */
async function pngSize(file: string): Promise<[number, number]> {
  const bytes = await readFile(file);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('the brewline module of a python cell', () => {
  it('reads the item, params, run and inputs, and writes the result (numpy values and paths converted)', async () => {
    const cell = await runCell(
      [
        'import numpy as np',
        'import brewline',
        'crawl = brewline.inputs["crawl"]',
        'brewline.result({',
        '    "item": brewline.item, "params": brewline.params, "run": [brewline.run.id, brewline.run.pipeline],',
        '    "step": brewline.step, "attempt": brewline.attempt, "out": brewline.out,',
        '    "needs": sorted(brewline.inputs), "crawled": crawl.result,',
        '    "files": [str(f.relative_to(crawl.dir)) for f in crawl.files],',
        '    "mean": np.float32(1.5), "counts": np.arange(3), "ok": np.bool_(True),',
        '})',
      ].join('\n'),
      {
        params: { month: '2026-11', limit: 3 },
        inputs: {
          crawl: {
            files: { 'reviews.txt': 'good coffee', 'images/b.png': 'b', 'images/a.png': 'a' },
            result: { n: 2 },
          },
        },
      },
    );
    expect(cell.stderr).toBe('');
    expect(cell.code).toBe(0);
    expect(cell.result).toEqual({
      item: 'dong-7',
      params: { month: '2026-11', limit: 3 },
      run: ['run-42', 'cafe-monthly'],
      step: 'embed',
      attempt: 2,
      out: cell.out,
      needs: ['crawl'],
      crawled: { n: 2 },
      files: ['images/a.png', 'images/b.png', 'reviews.txt'],
      mean: 1.5,
      counts: [0, 1, 2],
      ok: true,
    });
  });

  it('shows a list of dicts as a table, PIL images and image files as images, Markdown, JSON and charts', async () => {
    const cell = await runCell(
      [
        'from PIL import Image',
        'import brewline',
        'from brewline import Markdown, display',
        'rows = [{"cafe": f"cafe {i}", "score": i / 2} for i in range(150)]',
        'rows[1]["score"] = float("nan")',
        'rows[2]["opened"] = "2026-11-30"',
        'display(rows)',
        'display(Image.new("RGB", (64, 48), "red"))',
        'Image.new("RGB", (20, 10), "blue").save("photo.png")',
        'display("photo.png", Markdown("# Best cafes\\n*dong 7*"), [1, 2.5, "three"], {"cafes": 150})',
        'display({"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "bar",',
        '         "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}})',
        'class Chart:  # what Altair gives: a Vega-Lite spec from to_dict()',
        '    def to_dict(self):',
        '        return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "mark": "point"}',
        'display(Chart(), "just text", 42)',
        'for epoch in range(3):',
        '    brewline.log_metric("loss", 1 / (epoch + 1), step=epoch)',
        'brewline.log_metric("accuracy", 0.75)',
      ].join('\n'),
    );
    expect(cell.stderr).toBe('');
    expect(cell.code).toBe(0);
    const displays = cell.events.filter((e) => e.type === 'display');
    expect(displays.map((d) => d.kind)).toEqual([
      'table',
      'image',
      'image',
      'markdown',
      'json',
      'json',
      'vega-lite',
      'vega-lite',
      'text',
      'text',
    ]);
    const [table, pilImage, fileImage, markdown, list, object, spec, chart, text, number] = displays;

    expect(table).toMatchObject({ columns: ['cafe', 'score', 'opened'], shape: [150, 3] });
    const tableRows = table!.rows as unknown[][];
    expect(tableRows).toHaveLength(100);
    expect(tableRows.slice(0, 3)).toEqual([
      ['cafe 0', 0, null],
      ['cafe 1', null, null],
      ['cafe 2', 1, '2026-11-30'],
    ]);

    expect(pilImage).toMatchObject({ width: 64, height: 48 });
    expect(pilImage!.file).toMatch(/^displays\/\d+\.png$/);
    expect(await pngSize(path.join(cell.out, pilImage!.file as string))).toEqual([64, 48]);
    expect(fileImage).toMatchObject({ width: 20, height: 10 });
    expect(fileImage!.file).toMatch(/^displays\/\d+\.png$/);
    expect(fileImage!.file).not.toBe(pilImage!.file);
    expect(await pngSize(path.join(cell.out, fileImage!.file as string))).toEqual([20, 10]);

    expect(markdown).toEqual({ type: 'display', kind: 'markdown', text: '# Best cafes\n*dong 7*' });
    expect(list).toEqual({ type: 'display', kind: 'json', value: [1, 2.5, 'three'] });
    expect(object).toEqual({ type: 'display', kind: 'json', value: { cafes: 150 } });
    expect(spec).toMatchObject({ kind: 'vega-lite', spec: { mark: 'bar', data: { values: [{ x: 1 }] } } });
    expect(chart).toMatchObject({ kind: 'vega-lite', spec: { mark: 'point' } });
    expect(text).toEqual({ type: 'display', kind: 'text', text: 'just text' });
    expect(number).toEqual({ type: 'display', kind: 'text', text: '42' });

    expect(cell.events.filter((e) => e.type === 'metric')).toEqual([
      { type: 'metric', name: 'loss', value: 1, step: 0 },
      { type: 'metric', name: 'loss', value: 0.5, step: 1 },
      { type: 'metric', name: 'loss', value: 1 / 3, step: 2 },
      { type: 'metric', name: 'accuracy', value: 0.75 },
    ]);
  });

  it('displays the value of a last bare expression, like a notebook (not None, not after ";")', async () => {
    const shown = await runCell('import brewline\ncounts = {"dong-7": 12}\n{"cafes": counts["dong-7"]}\n');
    expect(shown.code).toBe(0);
    expect(shown.events).toEqual([{ type: 'display', kind: 'json', value: { cafes: 12 } }]);

    const hidden = await runCell('x = 5\nx;  # hidden\n');
    const none = await runCell('print("logged")\n');
    expect([hidden.code, none.code]).toEqual([0, 0]);
    expect(none.stdout).toBe('logged\n');
    expect([hidden.events, none.events]).toEqual([[], []]);
  });

  it('keeps each display within 1 MiB and an attempt within 500 events, saying what was cut', async () => {
    const cell = await runCell(
      [
        'import brewline',
        'brewline.display("x" * (3 * 1024 * 1024))',
        'for i in range(600):',
        '    brewline.log_metric("step_time", 0.1, step=i)',
      ].join('\n'),
    );
    expect(cell.code).toBe(0);
    expect(cell.events).toHaveLength(500);
    expect(Math.max(...cell.eventLines.map((line) => Buffer.byteLength(line) + 1))).toBeLessThanOrEqual(1024 * 1024);
    expect(cell.events[0]!.text).toMatch(/… \(cut: the whole text is 3145728 characters/);
    expect(cell.events.at(-1)).toEqual({ type: 'metric', name: 'step_time', value: 0.1, step: 498 });
    expect(cell.stderr).toMatch(/500 displays and metrics, the most an attempt keeps/);
  });

  it('ends with exit code 65 and the message last on stderr when the cell raises BadInput', async () => {
    const cell = await runCell(
      'import brewline\nprint("checking")\nraise brewline.BadInput("the menu photo of dong-7 is blank")\n',
    );
    expect(cell.code).toBe(65);
    expect(cell.stdout).toBe('checking\n');
    expect(lastLine(cell.stderr)).toBe('the menu photo of dong-7 is blank');
  });

  it('fails with exit code 1 and the traceback of the cell code on any other error', async () => {
    const cell = await runCell('def mean(xs):\n    return sum(xs) / len(xs)\n\nmean([])\n');
    expect(cell.code).toBe(1);
    expect(cell.stderr).toContain(`File "${path.join(root, `cell-${cellCount}`, 'cell.py')}", line 2, in mean`);
    expect(lastLine(cell.stderr)).toBe('ZeroDivisionError: division by zero');
    expect(cell.stderr).not.toContain('_cell.py');
  });

  it('refuses a NaN result with an error naming where it is, and writes no result', async () => {
    const cell = await runCell('import brewline\nbrewline.result({"scores": [0.5, float("nan")]})\n');
    expect(cell.code).toBe(1);
    expect(lastLine(cell.stderr)).toBe(
      "ValueError: the result['scores'][1] is nan, which JSON cannot hold (no NaN or Infinity): write None instead",
    );
    expect(cell.result).toBeUndefined();
  });

  it('gives a granted secret by its name or its variable, and names the `secrets` setting for any other', async () => {
    const cell = await runCell(
      [
        'import brewline',
        'brewline.result([brewline.secret("naver-api-key"), brewline.secret("NAVER_KEY")])',
        'brewline.secret("PATH")',
      ].join('\n'),
      { secrets: { 'naver-api-key': 'NAVER_KEY' }, env: { NAVER_KEY: 'k-123' } },
    );
    expect(cell.result).toEqual(['k-123', 'k-123']);
    expect(cell.code).toBe(1);
    expect(lastLine(cell.stderr)).toBe(
      "brewline.SecretNotGranted: secret 'PATH' is not granted to this cell: add it to the cell's `secrets` setting " +
        '(granted: naver-api-key)',
    );
  });

  it('runs inference over the model socket: outputs in order, a failure, and bad input (exit 65)', async () => {
    const socketPath = path.join(root, 'model.sock');
    const requests: unknown[] = [];
    const server = net.createServer((connection) => {
      let buffered = '';
      connection.on('data', (chunk) => {
        buffered += chunk.toString();
        if (!buffered.includes('\n')) return;
        const request = JSON.parse(buffered.split('\n')[0]!) as { id: number; inputs: unknown[] };
        requests.push(request);
        const first = request.inputs[0];
        const answer =
          first === 'boom'
            ? { id: request.id, error: 'the runner crashed', kind: 'failed' }
            : first === 'blank'
              ? { id: request.id, error: "image 'blank.png' cannot be read", kind: 'bad_input' }
              : { id: request.id, outputs: request.inputs.map((input) => ({ echo: input })) };
        connection.end(`${JSON.stringify(answer)}\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const cell = await runCell(
        [
          'import numpy as np',
          'import brewline',
          'outputs = brewline.infer("clip", [{"image": "a.png"}, np.array([1, 2])])',
          'try:',
          '    brewline.infer("clip", ["boom"])',
          'except brewline.InferenceError as err:',
          '    failure = str(err)',
          'brewline.result({"outputs": outputs, "failure": failure})',
          'brewline.infer("clip", ["blank"])',
        ].join('\n'),
        { socket: socketPath },
      );
      expect(cell.result).toEqual({
        outputs: [{ echo: { image: 'a.png' } }, { echo: [1, 2] }],
        failure: "infer('clip'): the runner crashed",
      });
      expect(requests).toEqual([
        { id: 1, op: 'infer', model: 'clip', inputs: [{ image: 'a.png' }, [1, 2]] },
        { id: 2, op: 'infer', model: 'clip', inputs: ['boom'] },
        { id: 3, op: 'infer', model: 'clip', inputs: ['blank'] },
      ]);
      expect(cell.code).toBe(65);
      expect(lastLine(cell.stderr)).toBe("infer('clip'): image 'blank.png' cannot be read");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('tells a cell without a model that infer needs the `model` setting', async () => {
    const cell = await runCell('import brewline\nbrewline.infer("clip", [{"text": "quiet cafe"}])\n');
    expect(cell.code).toBe(1);
    expect(lastLine(cell.stderr)).toBe(
      "brewline.InferenceError: infer('clip'): this cell names no model; set the cell's `model` setting",
    );
  });
});
