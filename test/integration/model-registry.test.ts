// The model registry with code (issue 14): a version registered from a model folder (its *.py files, its pinned
// requirements, its weights/ folder) reads back with its code, requirements, weights and memory; a run whose cell
// used the version shows its displays and result as the version's sample outputs; the command registers a folder
// straight into the database; hostile code and requirements are refused at their field, and a viewer cannot register.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MODEL_CODE_BYTES } from '~/common/limits';
import { ModelFolderError, modelVersionFromFolder, readModelFolder } from '~/cli/model-folder';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let root: string;
const api = () => t.api('editor');

const MODEL_PY = [
  'from helpers.format import labelled',
  '',
  '',
  'class Model:',
  '    def load(self, path, device):',
  '        with open(f"{path}/prefix.txt") as f:',
  '            self.prefix = f.read().strip()',
  '',
  '    def predict(self, batch):',
  '        return [{"label": labelled(self.prefix, item["text"])} for item in batch]',
  '',
  '    def memory_mb(self):',
  '        return 1',
  '',
].join('\n');
const FORMAT_PY = 'def labelled(prefix, text):\n    return f"{prefix}:{text}"\n';

/** A model folder as a team keeps one, with things beside the code that must not be sent as code. */
async function modelFolder(name: string, opts: { requirements?: string } = {}): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'helpers', '__pycache__'), { recursive: true });
  await mkdir(path.join(dir, '.cache'), { recursive: true });
  await mkdir(path.join(dir, 'weights'), { recursive: true });
  await writeFile(path.join(dir, 'model.py'), MODEL_PY);
  await writeFile(path.join(dir, 'helpers', 'format.py'), FORMAT_PY);
  await writeFile(path.join(dir, 'helpers', '__pycache__', 'format.py'), 'stale = True\n');
  await writeFile(path.join(dir, '.cache', 'scratch.py'), 'hidden = True\n');
  await writeFile(path.join(dir, 'README.md'), 'not code\n');
  await writeFile(path.join(dir, 'weights', 'prefix.txt'), 'cafe\n');
  await writeFile(path.join(dir, 'weights', 'convert.py'), 'print("a weights tool, never sent as code")\n');
  if (opts.requirements !== undefined) await writeFile(path.join(dir, 'requirements.txt'), opts.requirements);
  // the runners and cells run sandboxed as the step user, who reads the weights
  for (const d of [dir, path.join(dir, 'weights')]) await chmod(d, 0o755);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'model-registry-'));
  await chmod(root, 0o755);
  t = await testContext({ GPU_SLOTS: '1', GPU_MEMORY_MB: '2000', BREWLINE_BATCH_WAIT_MS: '50' });
  await t.startWorkers();
});
afterAll(async () => {
  await t?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('model registry with code', () => {
  it('registers a version from a model folder; models.get shows its code, requirements, weights, memory', async () => {
    const folder = await modelFolder('labeller', {
      requirements: '# pinned for the model\nnumpy==2.3.5  # arrays\n\nsafetensors==0.6.2\n',
    });
    const input = await modelVersionFromFolder(folder, {
      name: 'labeller',
      task: 'text-classification',
      gpuMemoryMb: 700,
      aliases: ['staging'],
      description: 'labels texts',
    });
    expect(await api().models.registerVersion(input)).toEqual({ name: 'labeller', version: 1 });

    const model = await api().models.get({ name: 'labeller' });
    expect(model).toMatchObject({ task: 'text-classification', description: 'labels texts', aliases: { staging: 1 } });
    const [v1] = model.versions;
    expect(v1).toMatchObject({
      version: 1,
      entrypoint: 'model.py:Model',
      requirements: ['numpy==2.3.5', 'safetensors==0.6.2'],
      artifactUri: `file://${await realpath(folder)}/weights`,
      memoryMb: 700,
      gpuMemoryMb: 700,
      runtime: 'python',
      usedBy: [],
      samples: [],
    });
    // the entrypoint's file first; hidden folders, __pycache__, weights and non-Python files stay behind
    expect(v1!.code).toEqual([
      { path: 'model.py', text: MODEL_PY },
      { path: 'helpers/format.py', text: FORMAT_PY },
    ]);
  });

  it('a run whose cell used the version shows its displays and result as the version’s sample outputs', async () => {
    const folder = await modelFolder('served');
    await api().models.registerVersion(
      await modelVersionFromFolder(folder, { name: 'labeller', task: 'text-classification', aliases: ['production'] }),
    );
    await api().pipelines.push({
      spec: {
        slug: 'label-dongs',
        name: 'Label dongs',
        params: { dongs: { type: 'string[]', default: ['mapo'] } },
        items: { source: 'param', param: 'dongs' },
        steps: [
          {
            id: 'label',
            kind: 'python',
            queue: 'gpu',
            model: { name: 'labeller', alias: 'production' },
            retry: { maxAttempts: 1 },
            code: [
              'import brewline',
              'out = brewline.infer("labeller", [{"text": brewline.item}])[0]',
              "brewline.display(brewline.Markdown(f\"**{out['label']}** by {out['model']}\"))",
              'brewline.result({"label": out["label"]})',
            ].join('\n'),
          },
        ],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'label-dongs', params: {} });
    const run = await t.waitForRun(runId, 180_000);
    if (run.status !== 'succeeded') {
      const steps = await t.db.stepRun.findMany({ where: { runId } });
      throw new Error(`run ${run.status}: ${steps.map((s) => `${s.error}\n${s.log}`).join('\n')}`);
    }

    const [v2, v1] = (await api().models.get({ name: 'labeller' })).versions;
    expect(v2!.usedBy.map((u) => [u.runId, u.pipeline])).toEqual([[runId, 'label-dongs']]);
    expect(v2!.samples).toEqual([
      expect.objectContaining({
        runId,
        pipeline: 'label-dongs',
        step: 'label',
        item: 'mapo',
        result: { label: 'cafe:mapo' },
        displays: [{ kind: 'markdown', text: '**cafe:mapo** by labeller@2' }],
      }),
    ]);
    expect(v2!.requirements).toEqual([]);
    // the earlier version was not used by that run
    expect(v1!.samples).toEqual([]);
    expect(v1!.usedBy).toEqual([]);
  });

  it('the command registers a model folder straight into the database, as an operator on its host', async () => {
    const folder = await modelFolder('cli-folder', { requirements: 'pillow==12.0.0\n' });
    const { BREWLINE_TOKEN: _token, ...env } = { ...process.env, ...t.env };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'packages/brewline-cli/bin.mjs',
        'models',
        'register',
        folder,
        '--name',
        'cli-labeller',
        '--task',
        'text-classification',
        '--weights',
        's3://brewline-models/cli/labeller-v1',
        '--gpu-memory-mb',
        '300',
        '--alias',
        'production',
        '--framework',
        'torch',
      ],
      { env },
    );
    expect(stdout.trim()).toBe(
      'cli-labeller: version 1 (2 files, 1 requirement, weights s3://brewline-models/cli/labeller-v1); ' +
        'production → v1',
    );
    const model = await api().models.get({ name: 'cli-labeller' });
    expect(model.aliases).toEqual({ production: 1 });
    expect(model.versions[0]).toMatchObject({
      artifactUri: 's3://brewline-models/cli/labeller-v1',
      framework: 'torch',
      memoryMb: 300,
      requirements: ['pillow==12.0.0'],
      code: [
        { path: 'model.py', text: MODEL_PY },
        { path: 'helpers/format.py', text: FORMAT_PY },
      ],
    });
  });

  it('a model folder whose code leads out of it is refused, naming the path', async () => {
    const folder = await modelFolder('escaping');
    const outside = path.join(root, 'outside.py');
    await writeFile(outside, 'SECRET = "the worker’s"\n');
    await symlink(outside, path.join(folder, 'helpers', 'shared.py'));
    await expect(readModelFolder(folder)).rejects.toThrow(
      new ModelFolderError(`helpers/shared.py leads out of the model folder (to ${await realpath(outside)}): refused`),
    );
    const bare = path.join(root, 'no-weights');
    await mkdir(bare);
    await writeFile(path.join(bare, 'model.py'), MODEL_PY);
    await expect(modelVersionFromFolder(bare, { name: 'x', task: 'y' })).rejects.toThrow(
      /has no weights\/ folder: name the weights with --weights/,
    );
  });
});

describe('hostile model versions', () => {
  const version = (extra: Record<string, unknown>) => ({
    name: 'hostile-model',
    task: 'text-classification',
    artifactUri: 'file:///models/hostile',
    framework: 'python',
    ...extra,
  });
  /** The problems a refused version is answered with, as the API's `data.fields` lists them: "path: message". */
  const problems = async (input: Record<string, unknown>) => {
    // hostile input is not of the input's type, on purpose
    const err = await api()
      .models.registerVersion(version(input) as never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    const issues = (err as { cause?: { issues?: { path: PropertyKey[]; message: string }[] } }).cause?.issues ?? [];
    return issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
  };

  it('refuses code that climbs out, an entrypoint it does not hold, too much code, unpinned requirements', async () => {
    expect(await problems({ code: { files: { 'model.py': MODEL_PY, '../evil.py': 'x = 1' } } })).toEqual([
      'code.files.../evil.py: must be a relative path of letters, digits, ".", "_", "-" (no "..", no hidden files)',
    ]);
    expect(await problems({ code: { entrypoint: 'serve.py:Model', files: { 'model.py': MODEL_PY } } })).toEqual([
      "code.entrypoint: names serve.py, which the code's files do not hold",
    ]);
    expect(await problems({ code: { files: { 'model.py': 'x'.repeat(MAX_MODEL_CODE_BYTES + 1) } } })).toEqual([
      'code.files: must total at most 2,097,152 bytes (MAX_MODEL_CODE_BYTES), not 2,097,153',
    ]);
    expect(await problems({ code: { files: { 'model.py': MODEL_PY } }, requirements: ['torch>=2'] })).toEqual([
      'requirements.0: must be pinned: "name==version" (extras allowed: name[x]==1.0)',
    ]);
    // nothing of it was stored
    await expect(api().models.get({ name: 'hostile-model' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a viewer cannot register a version', async () => {
    const err = await t
      .api('viewer')
      .models.registerVersion(version({ code: { files: { 'model.py': MODEL_PY } } }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORBIDDEN' });
    await expect(api().models.get({ name: 'hostile-model' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
