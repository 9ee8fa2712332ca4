// Step outputs: small JSON results pass from step to step (size-checked), files go to the artifact store by
// reference with checksums, are listed per step run and can be read through the API.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepOutputDir } from '~/workers/activities/step-dirs';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
/** A folder shared with the steps' sandbox: the list a step reads lies there (the data folder is hidden from steps). */
let shared: string;
const api = () => t.api('editor');
const once = { maxAttempts: 1 };
const STEP = 'test/fixtures/steps/outputs.mjs';

beforeAll(async () => {
  shared = await mkdtemp(path.join(os.tmpdir(), 'step-outputs-'));
  await chmod(shared, 0o755);
  t = await testContext({ BREWLINE_STEP_SHARED_DIRS: shared });
  await t.startWorkers();
});
afterAll(() => t.close());

const produceConsume = (slug: string) => ({
  slug,
  name: 'Outputs demo',
  params: { items: { type: 'string[]', default: [] } },
  items: { source: 'param', param: 'items' },
  steps: [
    { id: 'produce', kind: 'command', command: ['node', STEP, 'produce'], retry: once },
    {
      id: 'consume',
      kind: 'command',
      needs: ['produce'],
      command: [
        'node',
        STEP,
        'consume',
        '--count',
        '{in.produce.result.count}',
        '--label',
        '{in.produce.result.nested.label}',
      ],
      retry: once,
    },
  ],
});

describe('step outputs', () => {
  it('passes a result and files from one step to the next, and lists and serves the files', async () => {
    await api().pipelines.push({ spec: produceConsume('outputs-demo') });
    const { runId } = await api().runs.trigger({
      pipelineSlug: 'outputs-demo',
      params: { items: ['gangnam', 'mapo-dong'] },
    });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded', itemsSucceeded: 2 });

    const consumed = await t.db.stepRun.findFirstOrThrow({
      where: { runId, itemKey: 'mapo-dong', stepId: 'consume', status: 'succeeded' },
    });
    expect(consumed.result).toEqual({ label: 'label-mapo-dong', cafes: 1, files: 3 });
    const produced = await t.db.stepRun.findFirstOrThrow({ where: { runId, itemKey: 'mapo-dong', stepId: 'produce' } });
    expect(produced.result).toEqual({ count: 9, item: 'mapo-dong', nested: { label: 'label-mapo-dong' } });
    expect(produced.artifactCount).toBe(3);

    const files = await api().runs.artifacts({ runId, itemKey: 'mapo-dong', stepId: 'produce' });
    expect(files.map((f) => [f.name, f.contentType])).toEqual([
      ['cafes.json', 'application/json'],
      ['notes/readme.txt', 'text/plain'],
      ['pixel.png', 'image/png'],
    ]);
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.url === `/api/artifacts/${f.id}`)).toBe(true);

    const json = await api().runs.artifact({ id: files[0]!.id });
    expect(json.content).toEqual({ kind: 'json', value: [{ item: 'mapo-dong', name: 'cafe of mapo-dong' }] });
    const text = await api().runs.artifact({ id: files[1]!.id });
    expect(text.content).toEqual({ kind: 'text', text: 'notes for mapo-dong\n' });
    const image = await api().runs.artifact({ id: files[2]!.id });
    expect(image.content).toMatchObject({
      kind: 'image',
      dataUrl: expect.stringMatching(/^data:image\/png;base64,iVBOR/),
    });

    // the store keeps its own copy: editing the step's output directory afterwards changes nothing stored
    const row = await t.db.artifact.findUniqueOrThrow({ where: { id: files[1]!.id } });
    expect(row.uri).toMatch(/^file:\/\//);
    await writeFile(`${stepOutputDir(t.config.dataDir, runId, 'mapo-dong', 'produce')}/notes/readme.txt`, 'changed');
    expect(await readFile(fileURLToPath(row.uri), 'utf8')).toBe('notes for mapo-dong\n');
  });

  it('runs one cell on its own for one item, fed the stored outputs of the cells above from the latest \
run', async () => {
    const runs = await api().runs.list({ pipelineSlug: 'outputs-demo' });
    const fromRunId = runs.runs[0]!.id;
    const { runId, fromRunId: used } = await api().runs.runCell({
      pipelineSlug: 'outputs-demo',
      stepId: 'consume',
      itemKey: 'gangnam',
    });
    expect(used).toBe(fromRunId);
    expect(await t.waitForRun(runId)).toMatchObject({
      status: 'succeeded',
      trigger: 'dev',
      itemsTotal: 1,
      itemsSucceeded: 1,
    });
    const steps = await t.db.stepRun.findMany({ where: { runId } });
    // only the cell ran; "produce" was not repeated, its result and files came from the earlier run
    expect(steps.map((s) => [s.itemKey, s.stepId, s.status])).toEqual([['gangnam', 'consume', 'succeeded']]);
    expect(steps[0]!.result).toEqual({ label: 'label-gangnam', cafes: 1, files: 3 });

    const noSuchStep = await api()
      .runs.runCell({ pipelineSlug: 'outputs-demo', stepId: 'nope', itemKey: 'gangnam' })
      .catch((e: Error) => e);
    expect(noSuchStep).toMatchObject({ code: 'BAD_REQUEST' });
    const neverRun = await api()
      .runs.runCell({ pipelineSlug: 'outputs-demo', stepId: 'consume', itemKey: 'jongno' })
      .catch((e: Error) => e);
    expect(neverRun).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/no earlier run has item "jongno"/),
    });
    // a cell with no inputs runs without any earlier run
    const first = await api().runs.runCell({ pipelineSlug: 'outputs-demo', stepId: 'produce', itemKey: 'jongno' });
    expect(await t.waitForRun(first.runId)).toMatchObject({ status: 'succeeded' });
  });

  it('refuses a result over the size limit, naming the step, without retrying', async () => {
    await api().pipelines.push({
      spec: {
        slug: 'outputs-big',
        name: 'Too big',
        params: { items: { type: 'string[]', default: [] } },
        items: { source: 'param', param: 'items' },
        steps: [
          { id: 'small', kind: 'command', command: ['node', STEP, 'big', '--bytes', '1000'] },
          { id: 'huge', kind: 'command', needs: ['small'], command: ['node', STEP, 'big', '--bytes', '100000'] },
        ],
      },
    });
    const { runId } = await api().runs.trigger({ pipelineSlug: 'outputs-big', params: { items: ['jongno'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed', itemsFailed: 1 });
    const item = await t.db.itemRun.findFirstOrThrow({ where: { runId } });
    expect(item.error).toMatch(
      /item "jongno", step "huge": its result is 97\.7 KiB; a step result may be at most 64\.0 KiB/,
    );
    expect(await t.db.stepRun.count({ where: { runId, stepId: 'huge' } })).toBe(1);
    expect((await t.db.stepRun.findFirstOrThrow({ where: { runId, stepId: 'small' } })).result).toMatchObject({
      blob: 'x'.repeat(1000),
    });
  });

  it('rejects a spec whose placeholder reads the result of a step it does not need', async () => {
    const spec = produceConsume('outputs-bad');
    spec.steps[1]!.command = [
      'node',
      STEP,
      'consume',
      '--count',
      '{in.other.result.count}',
      '--x',
      '{in.produce.output}',
    ];
    const err = await api()
      .pipelines.push({ spec })
      .catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    const { problems } = await api().pipelines.validate({ spec });
    expect(problems).toEqual([
      {
        path: ['steps', 1, 'command', 4],
        message: '{in.other.result.count} names a step that "consume" does not need',
      },
      {
        path: ['steps', 1, 'command', 6],
        message: 'unknown placeholder {in.produce.output} (use {in.produce} or {in.produce.result[.field]})',
      },
    ]);
  });

  it('fetches a needed file again from the store when the output directory lost it, and checks it', async () => {
    // a retried run re-runs "consume" on a machine that no longer has the producer's directory
    await api().pipelines.push({
      spec: {
        ...produceConsume('outputs-refetch'),
        steps: [
          produceConsume('x').steps[0],
          {
            id: 'consume',
            kind: 'command',
            needs: ['produce'],
            command: [
              'node',
              'test/fixtures/steps/fail-if-listed.mjs',
              '--list',
              path.join(shared, 'refetch-broken.json'),
            ],
            retry: once,
          },
          {
            id: 'use',
            kind: 'command',
            needs: ['consume', 'produce'],
            command: ['node', STEP, 'consume', '--count', '{in.produce.result.count}', '--label', 'l'],
            retry: once,
          },
        ],
      },
    });
    await writeFile(path.join(shared, 'refetch-broken.json'), JSON.stringify(['seocho']));
    const { runId } = await api().runs.trigger({ pipelineSlug: 'outputs-refetch', params: { items: ['seocho'] } });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'failed' });
    await rm(stepOutputDir(t.config.dataDir, runId, 'seocho', 'produce'), { recursive: true });
    await writeFile(path.join(shared, 'refetch-broken.json'), '[]');
    await api().runs.retryFailed({ runId });
    expect(await t.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
    // "produce" was not run again: its result came from the database, its files from the store
    expect(await t.db.stepRun.count({ where: { runId, stepId: 'produce' } })).toBe(1);
    expect(
      (await t.db.stepRun.findFirstOrThrow({ where: { runId, stepId: 'use', status: 'succeeded' } })).result,
    ).toEqual({ label: 'l', cafes: 1, files: 3 });
    const restored = await readFile(
      `${stepOutputDir(t.config.dataDir, runId, 'seocho', 'produce')}/cafes.json`,
      'utf8',
    );
    expect(JSON.parse(restored)).toEqual([{ item: 'seocho', name: 'cafe of seocho' }]);
  });
});
