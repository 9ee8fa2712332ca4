// A team's own model: code (a tiny PyTorch module) and weights registered as a model version, served by the worker's
// resident pool in the sandbox, reached from Python cells with infer() and batched across items; its failures and
// its memory reach the step as a person would want to read them.
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModelVersion } from '~/server/services/models/models';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let weights: string;
let envsDir: string;
const api = () => t.api('editor');

// y = W x + b with W and b read from the weights folder: a real torch module, no platform code
const MODEL_PY = `import json, os
import torch
from brewline_model import InputError
from helpers.shapes import as_row

class Model:
    batch_size = 8

    def load(self, path, device):
        with open(os.path.join(path, "weights.json")) as f:
            w = json.load(f)
        self.net = torch.nn.Linear(3, 2)
        with torch.no_grad():
            self.net.weight.copy_(torch.tensor(w["weight"]))
            self.net.bias.copy_(torch.tensor(w["bias"]))

    def memory_mb(self):
        return int(os.environ.get("SCALER_MEMORY_MB", "0")) or 64

    def predict(self, batch):
        if any(b.get("boom") for b in batch):
            raise RuntimeError("kaboom: the team's model failed")
        out = []
        for b in batch:
            if "x" not in b:
                out.append(InputError("expected {\\"x\\": [3 numbers]}"))
                continue
            y = self.net(torch.tensor([as_row(b["x"])], dtype=torch.float32))[0].tolist()
            out.append({"y": [round(v, 4) for v in y], "batch": len(batch)})
        return out
`;
const SHAPES_PY = `def as_row(x):
    return [float(v) for v in x][:3]
`;

beforeAll(async () => {
  weights = await mkdtemp(path.join(os.tmpdir(), 'model-code-weights-'));
  // runners run as the sandbox's user: weights are readable to it, as any deployment's must be
  await chmod(weights, 0o755);
  envsDir = await mkdtemp(path.join(os.tmpdir(), 'model-code-envs-'));
  await writeFile(
    path.join(weights, 'weights.json'),
    JSON.stringify({
      weight: [
        [1, 0, 0],
        [0, 2, 1],
      ],
      bias: [0.5, -1],
    }),
  );
  t = await testContext({
    GPU_SLOTS: '2',
    GPU_MEMORY_MB: '2000',
    BREWLINE_BATCH_WAIT_MS: '1500',
    BREWLINE_CELL_ENVS_DIR: path.join(envsDir, 'cell-envs'),
  });
  await t.startWorkers();
  const code = { entrypoint: 'model.py:Model', files: { 'model.py': MODEL_PY, 'helpers/shapes.py': SHAPES_PY } };
  await registerModelVersion(t.db, 'test', {
    name: 'scaler',
    task: 'regression',
    artifactUri: `file://${weights}`,
    framework: 'pytorch',
    gpuMemoryMb: 100,
    code,
    aliases: ['production'],
  });
});
afterAll(() => t.close());

const notebook = (slug: string, model: { name: string; version?: number; alias?: string }, code: string) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: [] } },
  items: { source: 'param', param: 'dongs' },
  steps: [
    {
      id: 'predict',
      kind: 'python',
      queue: 'gpu',
      model: model.version ? model : { name: model.name, alias: model.alias ?? 'production' },
      retry: { maxAttempts: 1 },
      code,
    },
  ],
});

const stepRows = (runId: string) => t.db.stepRun.findMany({ where: { runId }, orderBy: { itemKey: 'asc' } });

describe('model code', () => {
  it("serves a team's own module from its code and weights, batching two dongs' requests into one", async () => {
    await api().pipelines.push({
      spec: notebook(
        'scaler-batch',
        { name: 'scaler' },
        [
          'from brewline import infer, item, result',
          'outs = infer("scaler", [{"x": [len(item), 1, 2]}, {"x": [0, 0, 0]}])',
          'result({"y": [o["y"] for o in outs], "batch": outs[0]["batch"], "model": outs[0]["model"]})',
        ].join('\n'),
      ),
    });
    const runId = await t.trigger({ pipelineSlug: 'scaler-batch', params: { dongs: ['mapo', 'jongno-gu'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded', itemsSucceeded: 2 });
    const rows = await stepRows(runId);
    // jongno-gu: x = [9, 1, 2] -> [9.5, 3]; mapo: x = [4, 1, 2] -> [4.5, 3]; [0, 0, 0] -> the bias
    expect(rows.map((r) => r.result)).toEqual([
      {
        y: [
          [9.5, 3],
          [0.5, -1],
        ],
        batch: 4,
        model: 'scaler@1',
      },
      {
        y: [
          [4.5, 3],
          [0.5, -1],
        ],
        batch: 4,
        model: 'scaler@1',
      },
    ]);
    // the run records the version, and so the code, that served it
    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    const used = (run.models as Record<string, { version: number; code: { files: Record<string, string> } }>).predict!;
    expect(used.version).toBe(1);
    expect(Object.keys(used.code.files).sort()).toEqual(['helpers/shapes.py', 'model.py']);
  });

  it('an exception in predict fails the batch with the Python traceback in the step log', async () => {
    await api().pipelines.push({
      spec: notebook(
        'scaler-boom',
        { name: 'scaler' },
        ['from brewline import infer', 'infer("scaler", [{"boom": True}])'].join('\n'),
      ),
    });
    const runId = await t.trigger({ pipelineSlug: 'scaler-boom', params: { dongs: ['mapo'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed' });
    const [row] = await stepRows(runId);
    expect(row!.status).toBe('failed');
    expect(row!.log).toContain('Traceback (most recent call last)');
    expect(row!.log).toMatch(/model\.py", line \d+, in predict/);
    expect(row!.log).toContain("RuntimeError: kaboom: the team's model failed");
  });

  it('a model that holds more than GPU_MEMORY_MB once loaded is refused with the numbers', async () => {
    const code = {
      files: {
        'model.py':
          'class Model:\n    def load(self, path, device): pass\n    def memory_mb(self): return 4096\n' +
          '    def predict(self, batch): return [{} for _ in batch]\n',
      },
    };
    await registerModelVersion(t.db, 'test', {
      name: 'glutton',
      task: 'regression',
      artifactUri: `file://${weights}`,
      framework: 'pytorch',
      gpuMemoryMb: 100,
      code,
      aliases: ['production'],
    });
    await api().pipelines.push({
      spec: notebook('glutton', { name: 'glutton' }, 'from brewline import infer\ninfer("glutton", [{}])'),
    });
    const runId = await t.trigger({ pipelineSlug: 'glutton', params: { dongs: ['mapo'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed' });
    const [row] = await stepRows(runId);
    expect(`${row!.error} ${row!.log}`).toMatch(
      /holds 4096 MB once loaded \(it declared 100 MB\).*GPU_MEMORY_MB=2000/s,
    );
  });

  it('runs in the sandbox: none of the worker environment, no network, and its own pinned requirements', async () => {
    const code = {
      files: {
        'model.py': [
          'import os, socket, six',
          'class Model:',
          '    def load(self, path, device): pass',
          '    def predict(self, batch):',
          '        try:',
          '            socket.create_connection(("1.1.1.1", 53), timeout=2).close()',
          '            net = "reached"',
          '        except OSError as err:',
          '            net = type(err).__name__',
          '        return [{"env": sorted(os.environ), "uid": os.getuid(), "net": net, "six": six.__version__}',
          '                for _ in batch]',
        ].join('\n'),
      },
    };
    await registerModelVersion(t.db, 'test', {
      name: 'nosy',
      task: 'regression',
      artifactUri: `file://${weights}`,
      framework: 'pytorch',
      code,
      requirements: ['six==1.16.0'],
      aliases: ['production'],
    });
    await api().pipelines.push({
      spec: notebook('nosy', { name: 'nosy' }, 'from brewline import infer, result\nresult(infer("nosy", [{}])[0])'),
    });
    const runId = await t.trigger({ pipelineSlug: 'nosy', params: { dongs: ['mapo'] } });
    expect(await t.waitForRun(runId, 180_000)).toMatchObject({ status: 'succeeded' });
    const [row] = await stepRows(runId);
    const seen = row!.result as { env: string[]; uid: number; net: string; six: string };
    expect(seen.six).toBe('1.16.0');
    expect(seen.net).not.toBe('reached');
    expect(seen.env).not.toContain('DATABASE_URL');
    expect(seen.env.filter((name) => /SECRET|TOKEN|TEMPORAL|PASSWORD/.test(name))).toEqual([]);
    if (process.getuid?.() === 0) expect(seen.uid).toBe(65534);
  });
});
