// The model registry (versions, aliases, history), alias resolution pinned per run, and the results API the
// recommendation backend reads (the cafe team's, mounted by the server, reading the team's own database), with
// lineage; then the example backend program syncing over HTTP with a token.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { DONGS } from '~/pipelines/cafe/sample/generate.mjs';
import { appRouter } from '~/server/api/root';
import { createCallerFactory } from '~/server/api/trpc';
import { SCOPES, type Actor, type Scope } from '~/server/auth/actor';
import { createUser } from '~/server/services/auth/users';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { startPortal, stopProcess } from '../support/portal';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let results: CafeResults;
/** A folder the admin shares with the steps: a dongs file given as a param lies there. */
let shared: string;
const actor = (role: Actor['role'], scopes: readonly Scope[] = SCOPES): Actor => ({
  kind: 'user',
  id: 'u',
  name: `${role}-user`,
  role,
  scopes,
});
const api = (a: Actor = actor('editor')) =>
  createCallerFactory(appRouter)({ db: t.db, temporal: t.temporal, config: t.config, actor: a });
const _sleep = (ms: number) => ['node', 'test/fixtures/steps/sleep.mjs', '--ms', String(ms)];

beforeAll(async () => {
  shared = await mkdtemp(path.join(os.tmpdir(), 'results-dongs-'));
  await chmod(shared, 0o755);
  t = await testContext({ BREWLINE_STEP_SHARED_DIRS: shared, ...cafeSecretKey() });
  results = await cafeResults(t);
  await t.startWorkers();
});
afterAll(async () => {
  await results?.close();
  await t.close();
});
/** The API with the cafe team's routers: `results.*`. */
const cafeApi = (a: Actor = actor('editor')) => results.api(a);
const count = async (sql: string) => Number((await results.pool.query<{ n: string }>(sql)).rows[0]!.n);

describe('model registry', () => {
  it('numbers versions, moves aliases with history (promote, roll back)', async () => {
    const m = `ranker-${Date.now()}`;
    const reg = (n: number) =>
      api().models.registerVersion({
        name: m,
        task: 'image-ranking',
        artifactUri: `file:///models/${m}/${n}`,
        framework: 'torch',
        gpuMemoryMb: 900,
        metrics: { ndcg: 0.5 + n / 100 },
      });
    expect(await reg(1)).toEqual({ name: m, version: 1 });
    expect(await reg(2)).toEqual({ name: m, version: 2 });
    await api().models.moveAlias({ name: m, alias: 'production', version: 2, note: 'better ndcg' });
    await api().models.moveAlias({ name: m, alias: 'production', version: 1, note: 'roll back' });
    const model = await api().models.get({ name: m });
    expect(model.aliases).toEqual({ production: 1 });
    expect(model.aliasHistory.map((h) => [h.from, h.to, h.note])).toEqual([
      [2, 1, 'roll back'],
      [null, 2, 'better ndcg'],
    ]);
    expect(model.versions.map((v) => v.version)).toEqual([2, 1]);
    await expect(api().models.moveAlias({ name: m, alias: 'production', version: 9 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      api(actor('viewer')).models.moveAlias({ name: m, alias: 'production', version: 2 }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a python model version whose weights no worker could read, naming the field', async () => {
    const err = await api()
      .models.registerVersion({
        name: `hub-${Date.now()}`,
        task: 'image-embedding',
        artifactUri: 'hf://openai/clip-vit-base-patch16',
        framework: 'transformers',
        runtime: 'python',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect((err as Error).message).toMatch(
      /artifactUri[\s\S]*must be an absolute path, a file:\/\/\/ URI or s3:\/\/bucket\/key/,
    );
  });

  it('resolves an alias when a run starts: moving it changes new runs, not a running one', async () => {
    const m = `scorer-${Date.now()}`;
    for (let n = 1; n <= 2; n++)
      await api().models.registerVersion({
        name: m,
        task: 'image-ranking',
        artifactUri: `file:///m/${n}`,
        framework: 'onnx',
      });
    await api().models.moveAlias({ name: m, alias: 'production', version: 1 });
    await api().pipelines.push({
      spec: {
        slug: 'alias-demo',
        name: 'Alias demo',
        params: { dongs: { type: 'string[]', default: ['a'] } },
        items: { source: 'param', param: 'dongs' },
        steps: [
          {
            id: 'score',
            kind: 'command',
            command: [
              'node',
              '-e',
              'setTimeout(() => console.log(process.argv[1]), 1500)',
              '{model.name}@{model.version} {model.uri}',
            ],
            model: { name: m, alias: 'production' },
          },
        ],
      },
    });
    const first = await api().runs.trigger({ pipelineSlug: 'alias-demo', params: {} });
    await api().models.moveAlias({ name: m, alias: 'production', version: 2 });
    const second = await api().runs.trigger({ pipelineSlug: 'alias-demo', params: {} });
    await Promise.all([t.waitForRun(first.runId), t.waitForRun(second.runId)]);
    const logOf = async (runId: string) =>
      (await t.db.stepRun.findFirstOrThrow({ where: { runId, stepId: 'score' } })).log.trim();
    expect(await logOf(first.runId)).toBe(`${m}@1 file:///m/1`);
    expect(await logOf(second.runId)).toBe(`${m}@2 file:///m/2`);
    expect((await t.db.run.findUniqueOrThrow({ where: { id: first.runId } })).models).toMatchObject({
      score: { name: m, version: 1, alias: 'production' },
    });
    expect(
      (await api().models.get({ name: m })).versions.find((v) => v.version === 2)!.usedBy.map((u) => u.runId),
    ).toEqual([second.runId]);
  });

  it('refuses to start a run whose model alias does not exist, naming the step', async () => {
    await api().pipelines.push({
      spec: {
        slug: 'missing-model',
        name: 'Missing model',
        params: { dongs: { type: 'string[]', default: ['a'] } },
        items: { source: 'param', param: 'dongs' },
        steps: [
          { id: 'x', kind: 'noop' },
          { id: 'y', kind: 'noop', model: { name: 'no-such-model', alias: 'production' } },
        ],
      },
    });
    const err = await api()
      .runs.trigger({ pipelineSlug: 'missing-model', params: {} })
      .catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect((err as Error).message).toContain('steps.1.model unknown model no-such-model');
  });
});

describe('results for the recommendation backend', () => {
  let runId: string;
  beforeAll(async () => {
    await api().pipelines.push({ spec: cafeMonthly });
    // three of the sample's dongs
    const dongsFile = path.join(shared, 'three-dongs.json');
    await writeFile(dongsFile, JSON.stringify(DONGS.slice(0, 3)));
    runId = (await api().runs.trigger({ pipelineSlug: 'cafe-monthly', params: { dongsFile, crawlDelayMs: 0 } })).runId;
    expect((await t.waitForRun(runId)).status).toBe('succeeded');
  });

  it("returns a dong's cafes with images, descriptions, summary and embeddings, and the model versions behind \
them", async () => {
    const { cafes } = await cafeApi().results.dong({ dong: DONGS[0]! });
    expect(cafes.length).toBeGreaterThan(0);
    const cafe = cafes[0]!;
    expect(cafe.images).toHaveLength(5);
    expect(cafe.images[0]!.lineage).toEqual({ runId, stepId: 'representative-images', model: 'clip-representative@1' });
    expect(cafe.images[0]!.description?.lineage.model).toBe('vlm-captioner@1');
    expect(cafe.reviewSummary?.lineage).toEqual({ runId, stepId: 'summarise-reviews', model: 'review-summariser@1' });
    expect(cafe.embeddings.every((e) => e.lineage.model === 'siglip@1' && e.vector.length === e.dim)).toBe(true);
    await expect(cafeApi().results.dong({ dong: 'no-such-dong' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pages through changes with a cursor, bounded page sizes, and rejects a forged cursor', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await cafeApi().results.changedSince({ cursor, limit: 7 });
      expect(page.cafes.length).toBeLessThanOrEqual(7);
      for (const c of page.cafes) seen.add(c.id);
      cursor = page.nextCursor ?? undefined;
      if (!page.hasMore) break;
    }
    expect(seen.size).toBe(await count('SELECT count(*) AS n FROM cafe'));
    expect((await cafeApi().results.changedSince({ cursor })).cafes).toEqual([]);
    await expect(cafeApi().results.changedSince({ limit: 5_000 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(cafeApi().results.changedSince({ cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('marks a cafe the next run no longer finds as disappeared, visible through changedSince, gone from the \
dong', async () => {
    const dong = DONGS[1]!;
    const externalId = `kakao:closed-${Date.now()}`;
    await results.pool.query(
      'INSERT INTO cafe (external_id, dong, name, run_id, step_id) ' +
        "VALUES ($1, $2, 'Closed cafe', $3, 'download-images')",
      [externalId, dong, runId],
    );
    const before = (await cafeApi().results.changedSince({ limit: 200 })).nextCursor!;
    // the next run, of the two dongs this test reads
    const dongsFile = path.join(shared, 'two-dongs.json');
    await writeFile(dongsFile, JSON.stringify([DONGS[0], dong]));
    const next = (await api().runs.trigger({ pipelineSlug: 'cafe-monthly', params: { dongsFile, crawlDelayMs: 0 } }))
      .runId;
    expect((await t.waitForRun(next)).status).toBe('succeeded');
    expect(
      (await results.pool.query('SELECT disappeared_at FROM cafe WHERE external_id = $1', [externalId])).rows[0]
        .disappeared_at,
    ).not.toBeNull();
    expect((await cafeApi().results.dong({ dong })).cafes.map((c) => c.id)).not.toContain(externalId);
    const changed = [];
    let cursor: string | undefined = before;
    for (;;) {
      const page = await cafeApi().results.changedSince({ cursor, limit: 200 });
      changed.push(...page.cafes);
      cursor = page.nextCursor ?? undefined;
      if (!page.hasMore) break;
    }
    expect(changed.find((c) => c.id === externalId)).toMatchObject({ disappeared: true });
    expect(changed.filter((c) => c.dong === DONGS[0]).every((c) => !c.disappeared && c.lineage.runId === next)).toBe(
      true,
    );
  });

  it('needs the results scope', async () => {
    await expect(cafeApi(actor('admin', ['runs'])).results.dongs()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'This token lacks the results scope',
    });
  });

  it('the example backend program syncs every dong over HTTP with an API token', async () => {
    let portal: { url: string; process: ChildProcess } | undefined;
    try {
      portal = await startPortal(t.env);
      const admin = await createUser(t.db, {
        email: `sync-admin-${Date.now()}@example.com`,
        name: 'Admin',
        role: 'admin',
        password: 'admin password 1',
      });
      const { token } = await api({
        kind: 'user',
        id: admin.id,
        name: 'Admin',
        role: 'admin',
        scopes: SCOPES,
      }).admin.createToken({ name: 'recsys', role: 'viewer', scopes: ['results'] });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'examples/recsys-backend-sync.ts'],
        {
          env: { ...process.env, BREWLINE_URL: portal.url, BREWLINE_TOKEN: token },
        },
      );
      const cafes = await count('SELECT count(*) AS n FROM cafe WHERE disappeared_at IS NULL');
      expect(stdout).toContain('dongs 3\n');
      expect(stdout).toContain(`cafes ${cafes}\n`);
      expect(stdout).toContain(`images ${cafes * 5}\n`);
      expect(stdout).toContain('models clip-representative@1,review-summariser@1,siglip@1,vlm-captioner@1');
      // a token without the results scope is refused
      const noScope = await api({
        kind: 'user',
        id: admin.id,
        name: 'Admin',
        role: 'admin',
        scopes: SCOPES,
      }).admin.createToken({ name: 'runs only', role: 'viewer', scopes: ['runs'] });
      const refused = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'examples/recsys-backend-sync.ts'],
        {
          env: { ...process.env, BREWLINE_URL: portal.url, BREWLINE_TOKEN: noScope.token },
        },
      ).catch((e: { stderr: string }) => e);
      expect((refused as { stderr: string }).stderr).toContain('FORBIDDEN: This token lacks the results scope');
    } finally {
      if (portal) await stopProcess(portal.process);
    }
  });
});
