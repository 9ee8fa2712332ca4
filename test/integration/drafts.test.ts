// The notebook's drafts: each editor's unsaved edits of a pipeline, private to them, refused when invalid (each
// problem at its cell), run cell by cell with their unsaved code, and published as the next version with a diff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Actor, type Role } from '~/server/auth/actor';
import { createUser } from '~/server/services/auth/users';
import { codeHashOf } from '~/server/services/pipelines/cell-sources';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
const people: Record<'ana' | 'ben' | 'vic', Actor> = {} as Record<'ana' | 'ben' | 'vic', Actor>;
const as = (who: keyof typeof people) => t.api(people[who]);
const STEP = 'test/fixtures/steps/outputs.mjs';
const once = { maxAttempts: 1 };

beforeAll(async () => {
  t = await testContext();
  const stamp = Date.now();
  const person = async (name: string, role: Role): Promise<Actor> => {
    const user = await createUser(t.db, {
      email: `${name}-${stamp}@example.com`,
      name,
      role,
      password: 'a password 123',
    });
    return { kind: 'user', id: user.id, name, role, scopes: SCOPES };
  };
  people.ana = await person('Ana', 'editor');
  people.ben = await person('Ben', 'editor');
  people.vic = await person('Vic', 'viewer');
  await t.startWorkers();
});
afterAll(() => t.close());

const LOAD_V1 = 'import json\n\nrows = [1, 2, 3]\nprint(len(rows))\n';

const notebook = (slug: string) => ({
  slug,
  name: 'Cafe notebook',
  params: { dongs: { type: 'string[]', default: ['seongsu'] } },
  items: { source: 'param', param: 'dongs' },
  steps: [
    { id: 'intro', kind: 'markdown', markdown: '# Cafes\nOne dong at a time.' },
    { id: 'load', kind: 'python', code: LOAD_V1 },
    { id: 'produce', kind: 'command', command: ['node', STEP, 'produce'], retry: once },
    {
      id: 'consume',
      kind: 'command',
      needs: ['produce'],
      command: ['node', STEP, 'consume', '--count', '{in.produce.result.count}', '--label', 'saved'],
      retry: once,
    },
  ],
});

/** The notebook as the editor reads it (code inline), with `edit` applied to its cells. */
async function edited(slug: string, edit: (steps: Record<string, unknown>[]) => Record<string, unknown>[]) {
  const { spec } = await as('ana').pipelines.get({ slug });
  return { ...spec, steps: edit(spec.steps as Record<string, unknown>[]) };
}

describe('drafts', () => {
  it('are private to their editor, refused to viewers, and change no version until published', async () => {
    await t.register(notebook('nb-private'));
    const spec = await edited('nb-private', (steps) =>
      steps.map((s) => (s.id === 'load' ? { ...s, code: `${LOAD_V1}print("draft")\n` } : s)),
    );
    expect(await as('ana').drafts.get({ slug: 'nb-private' })).toBeNull();
    await as('ana').drafts.save({ slug: 'nb-private', spec });

    const mine = await as('ana').drafts.get({ slug: 'nb-private' });
    expect(mine).toMatchObject({ baseVersion: 1, latestVersion: 1 });
    expect(mine!.spec.steps.find((s) => s.id === 'load')).toMatchObject({ code: `${LOAD_V1}print("draft")\n` });
    // another editor sees none of it, and keeps a draft of their own
    expect(await as('ben').drafts.get({ slug: 'nb-private' })).toBeNull();
    await as('ben').drafts.save({ slug: 'nb-private', spec: await edited('nb-private', (s) => s) });
    // a viewer cannot keep one; an API token has none
    await expect(as('vic').drafts.save({ slug: 'nb-private', spec })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await as('vic').drafts.get({ slug: 'nb-private' })).toBeNull();
    const token: Actor = { kind: 'token', id: 'tok', name: 'ci', role: 'editor', scopes: SCOPES };
    await expect(t.api(token).drafts.save({ slug: 'nb-private', spec })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/not to API tokens/),
    });

    // the saved version is as it was: its code, its number
    const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'nb-private' } });
    expect(pipeline.latestVersion).toBe(1);
    const { spec: saved } = await as('ben').pipelines.get({ slug: 'nb-private' });
    expect(saved.steps.find((s) => s.id === 'load')!.code).toBe(LOAD_V1);

    expect(await as('ana').drafts.discard({ slug: 'nb-private' })).toEqual({ discarded: true });
    expect(await as('ana').drafts.get({ slug: 'nb-private' })).toBeNull();
    expect(await as('ben').drafts.get({ slug: 'nb-private' })).not.toBeNull();
  });

  it('refuses a draft whose cells need each other, naming each cell of the cycle, and a dangling need', async () => {
    await t.register(notebook('nb-cycle'));
    const cycle = await edited('nb-cycle', (steps) =>
      steps.map((s) => (s.id === 'produce' ? { ...s, needs: ['consume'] } : s)),
    );
    const refused = await as('ana')
      .drafts.save({ slug: 'nb-cycle', spec: cycle })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
    expect(refused?.message).toMatch(
      /steps\.2\.needs "produce" is in a cycle: (produce -> consume -> produce|consume)/,
    );
    expect(refused?.message).toMatch(/steps\.3\.needs "consume" is in a cycle/);
    expect(await as('ana').drafts.get({ slug: 'nb-cycle' })).toBeNull();

    const dangling = await edited('nb-cycle', (steps) =>
      steps.map((s) => (s.id === 'consume' ? { ...s, needs: ['produce', 'ghost'] } : s)),
    );
    await expect(as('ana').drafts.save({ slug: 'nb-cycle', spec: dangling })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('steps.3.needs.1 unknown step "ghost"'),
    });
    // a draft edits its own pipeline, and stays within a spec's size
    await expect(
      as('ana').drafts.save({ slug: 'nb-cycle', spec: { ...dangling, slug: 'nb-other' } }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const huge = await edited('nb-cycle', (steps) =>
      steps.map((s) => (s.id === 'load' ? { ...s, code: 'x = 1\n'.repeat(500_000) } : s)),
    );
    await expect(as('ana').drafts.save({ slug: 'nb-cycle', spec: huge })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/MAX_SPEC_BYTES/),
    });
    expect(await as('ana').drafts.get({ slug: 'nb-cycle' })).toBeNull();
  });

  it('publishes as the next version, its code kept by hash, with each changed cell diffed line by line', async () => {
    await t.register(notebook('nb-publish'));
    const load = 'import json\n\nrows = [1, 2, 3, 4]\nprint(len(rows))\nprint("done")\n';
    const spec = await edited('nb-publish', (steps) => [
      ...steps.map((s) =>
        s.id === 'load'
          ? { ...s, code: load }
          : s.id === 'consume'
            ? { ...s, command: ['node', STEP, 'consume', '--count', '{in.produce.result.count}', '--label', 'v2'] }
            : s,
      ),
      { id: 'notes', kind: 'markdown', markdown: 'Counts per dong.' },
    ]);
    await as('ana').drafts.save({ slug: 'nb-publish', spec });
    const published = await as('ana').drafts.publish({ slug: 'nb-publish' });

    expect(published).toMatchObject({ version: 2, created: true, from: 1 });
    expect(published.diff.cells).toEqual([
      {
        id: 'load',
        kind: 'python',
        change: 'changed',
        diff: {
          added: 2,
          removed: 1,
          lines: [
            { kind: 'same', text: 'import json' },
            { kind: 'same', text: '' },
            { kind: 'removed', text: 'rows = [1, 2, 3]' },
            { kind: 'added', text: 'rows = [1, 2, 3, 4]' },
            { kind: 'same', text: 'print(len(rows))' },
            { kind: 'added', text: 'print("done")' },
          ],
        },
      },
      {
        id: 'notes',
        kind: 'markdown',
        change: 'added',
        diff: { added: 1, removed: 0, lines: [{ kind: 'added', text: 'Counts per dong.' }] },
      },
    ]);
    expect(published.diff.changes).toEqual(
      expect.arrayContaining([
        {
          path: 'steps[consume].command',
          kind: 'changed',
          before: expect.arrayContaining(['saved']),
          after: expect.arrayContaining(['v2']),
        },
        expect.objectContaining({ path: 'steps[notes]', kind: 'added' }),
      ]),
    );
    expect(await as('ana').drafts.get({ slug: 'nb-publish' })).toBeNull();

    // the version keeps the code by its hash; readers get it back inline
    const version = await t.db.pipelineVersion.findFirstOrThrow({
      where: { pipeline: { slug: 'nb-publish' }, version: 2 },
    });
    const stored = (version.spec as { steps: { id: string; code?: string; codeHash?: string }[] }).steps;
    expect(stored.find((s) => s.id === 'load')).toMatchObject({ codeHash: codeHashOf(load) });
    expect(stored.find((s) => s.id === 'load')!.code).toBeUndefined();
    const { version: latest, spec: read } = await as('vic').pipelines.get({ slug: 'nb-publish' });
    expect(latest).toBe(2);
    expect(read.steps.find((s) => s.id === 'load')!.code).toBe(load);

    await expect(as('ana').drafts.publish({ slug: 'nb-publish' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("runs a cell with the draft's unsaved code, and the next cell on that run's output", async () => {
    await t.register(notebook('nb-run'));
    const draftCode = `${LOAD_V1}print("unsaved")\n`;
    const spec = await edited('nb-run', (steps) => [
      ...steps.map((s) =>
        s.id === 'load'
          ? { ...s, code: draftCode }
          : s.id === 'consume'
            ? { ...s, command: ['node', STEP, 'consume', '--count', '{in.produce.result.count}', '--label', 'draft'] }
            : s,
      ),
      { id: 'chart', kind: 'shell', code: 'echo chart\n' },
    ]);
    await expect(
      as('ana').runs.runCell({ pipelineSlug: 'nb-run', stepId: 'load', itemKey: 'mangwon', draft: true }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/no draft/) });
    await as('ana').drafts.save({ slug: 'nb-run', spec });

    const { runId } = await as('ana').runs.runCell({
      pipelineSlug: 'nb-run',
      stepId: 'load',
      itemKey: 'mangwon',
      draft: true,
    });
    const run = await t.db.run.findUniqueOrThrow({ where: { id: runId }, include: { pipelineVersion: true } });
    expect(run.trigger).toBe('dev');
    expect(run.pipelineVersion.version).toBe(1);
    const ran = (run.spec as { steps: { id: string; code?: string; codeHash?: string }[] }).steps;
    expect(ran.find((s) => s.id === 'load')).toMatchObject({ codeHash: codeHashOf(draftCode) });
    expect(ran.find((s) => s.id === 'load')!.code).toBeUndefined();
    expect(await t.db.cellSource.findUnique({ where: { hash: codeHashOf(draftCode) } })).toMatchObject({
      code: draftCode,
    });
    expect((await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'nb-run' } })).latestVersion).toBe(1);

    // a Markdown cell has nothing to run
    await expect(
      as('ana').runs.runCell({ pipelineSlug: 'nb-run', stepId: 'intro', itemKey: 'mangwon', draft: true }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/markdown cell/) });

    // no pipeline run has this item: the cell above runs first, then the next cell on its output
    const produced = await as('ana').runs.runCell({ pipelineSlug: 'nb-run', stepId: 'produce', itemKey: 'mangwon' });
    expect(await t.waitForRun(produced.runId)).toMatchObject({ status: 'succeeded' });
    const consumed = await as('ana').runs.runCell({
      pipelineSlug: 'nb-run',
      stepId: 'consume',
      itemKey: 'mangwon',
      draft: true,
    });
    expect(consumed.fromRunId).toBe(produced.runId);
    expect(await t.waitForRun(consumed.runId)).toMatchObject({ status: 'succeeded', trigger: 'dev' });
    const step = await t.db.stepRun.findFirstOrThrow({ where: { runId: consumed.runId, stepId: 'consume' } });
    // the draft's command ran (its label), on the files and result of the cell run above
    expect(step.result).toEqual({ label: 'draft', cafes: 1, files: 3 });

    // the run page reads the spec the cell run ran: the draft's new cell is in it
    const detail = await as('ana').runs.get({ runId: consumed.runId });
    expect(detail.steps.map((s) => s.id)).toContain('chart');
  });
});
