// Secrets and connections: encrypted at rest, write-only through the API, granted to the steps that name them
// (and only those), masked wherever a step's output is kept, audited, rotatable and re-keyable.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '~/common/run-contract';
import { SCOPES } from '~/server/auth/actor';
import { keyId } from '~/server/services/secrets/crypto';
import { GrantError, resolveStepGrants } from '~/server/services/secrets/grants';
import { reencryptSecrets } from '~/server/services/secrets/secrets';
import { testContext, type TestContext } from '../support/stack';

const KEY = randomBytes(32);
let t: TestContext;
beforeAll(async () => {
  t = await testContext({ BREWLINE_SECRET_KEY: KEY.toString('base64'), BREWLINE_EGRESS_ALLOW: '127.0.0.1' });
  await t.startWorkers({ queues: ['cpu'] });
});
afterAll(() => t.close());

const suffix = randomUUID().slice(0, 8);
const names = { kakao: `kakao-api-${suffix}`, other: `other-key-${suffix}`, db: `recsys-db-${suffix}` };
const KAKAO = `kk-${randomBytes(12).toString('hex')}`;
const OTHER = `ot-${randomBytes(12).toString('hex')}`;
const DB_PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const once = { maxAttempts: 1, initialIntervalMs: 100, backoffCoefficient: 1, maxIntervalMs: 100 };
const sha = (v: string) => createHash('sha256').update(v).digest('hex');
const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x));

function grantsSpec(slug: string, opts: { fail?: boolean } = {}) {
  return {
    slug,
    name: slug,
    params: { dongs: { type: 'string[]', default: ['a'] } },
    items: { source: 'param', param: 'dongs' },
    steps: [
      {
        id: 'granted',
        kind: 'command',
        secrets: { CRAWLER_KEY: names.kakao },
        connection: names.db,
        retry: once,
        command: [
          'node',
          'test/fixtures/steps/show-secrets.mjs',
          'CRAWLER_KEY',
          'BREWLINE_CONNECTION_PASSWORD',
          'BREWLINE_CONNECTION_URL',
          ...(opts.fail ? ['--fail'] : []),
        ],
      },
      {
        id: 'ungranted',
        kind: 'command',
        retry: once,
        command: ['node', 'test/fixtures/steps/show-secrets.mjs', 'CRAWLER_KEY', 'OTHER_KEY'],
      },
    ],
  };
}

type Shown = { variables: string[]; sha256: Record<string, string>; raw: Record<string, string> };
const stepOf = (runId: string, stepId: string) => t.db.stepRun.findFirstOrThrow({ where: { runId, stepId } });

describe('secrets', () => {
  it('stores values encrypted: the row holds neither the value nor anything that decodes to it', async () => {
    const editor = t.api('editor');
    await editor.secrets.create({ name: names.kakao, type: 'secret', values: { value: KAKAO } });
    await editor.secrets.create({ name: names.other, type: 'secret', values: { value: OTHER } });
    await editor.secrets.create({
      name: names.db,
      type: 'postgres',
      description: 'the recommendations database',
      values: { host: 'db.internal', database: 'recsys', user: 'loader', password: DB_PASSWORD },
    });
    const rows = await t.db.$queryRaw<
      Record<string, unknown>[]
    >`SELECT * FROM "Secret" WHERE name LIKE ${`%${suffix}`}`;
    expect(rows).toHaveLength(3);
    const stored = json(rows);
    for (const value of [KAKAO, OTHER, DB_PASSWORD]) {
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(Buffer.from(value).toString('base64'));
    }
    const db = rows.find((r) => r.name === names.db)!;
    expect(db.fields).toEqual({
      host: 'db.internal',
      port: 5432,
      database: 'recsys',
      user: 'loader',
      sslmode: 'prefer',
    });
    expect(String(db.ciphertext)).toMatch(/^v1\./);
    expect(db.keyId).toBe(keyId(KEY));
  });

  it('shows viewers names, types and non-secret fields, and lets them change nothing', async () => {
    const viewer = t.api('viewer');
    const list = await viewer.secrets.list();
    const db = list.find((s) => s.name === names.db)!;
    expect(db).toMatchObject({
      type: 'postgres',
      description: 'the recommendations database',
      fields: { host: 'db.internal', port: 5432, database: 'recsys', user: 'loader', sslmode: 'prefer' },
      secretFields: ['password'],
      createdBy: 'editor user',
    });
    expect(list.find((s) => s.name === names.kakao)).toMatchObject({ type: 'secret', fields: {} });
    const seen = json([list, await viewer.secrets.get({ name: names.db }), await viewer.secrets.audit({})]);
    for (const value of [KAKAO, OTHER, DB_PASSWORD]) expect(seen).not.toContain(value);
    await expect(
      viewer.secrets.create({ name: `viewer-${suffix}`, type: 'secret', values: { value: 'nope-nope' } }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer.secrets.rotate({ name: names.kakao, values: { value: 'stolen!!' } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(viewer.secrets.delete({ name: names.kakao })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // an editor's token without the secrets scope cannot read them either
    const token = t.api({
      kind: 'token',
      id: 'tok',
      name: 'ci',
      role: 'editor',
      scopes: SCOPES.filter((s) => s !== 'secrets'),
    });
    await expect(token.secrets.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('gives an editor no way to read a value back, and refuses secret fields in update', async () => {
    const editor = t.api('editor');
    const answers = [
      await editor.secrets.list(),
      await editor.secrets.get({ name: names.kakao }),
      await editor.secrets.get({ name: names.db }),
      await editor.secrets.audit({ name: names.db }),
      await editor.secrets.update({ name: names.db, values: { port: 6432 }, description: 'moved' }),
    ];
    for (const value of [KAKAO, OTHER, DB_PASSWORD]) expect(json(answers)).not.toContain(value);
    await expect(editor.secrets.update({ name: names.db, values: { password: 'x' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('values.password'),
    });
    await expect(editor.secrets.update({ name: names.db, values: { port: 'many' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('values.port'),
    });
    expect((await editor.secrets.get({ name: names.db })).fields.port).toBe(6432);
    await editor.secrets.update({ name: names.db, values: { port: 5432 } });
  });

  it('refuses a push naming a secret that does not exist, or of the wrong type, naming the field', async () => {
    const editor = t.api('editor');
    const spec = grantsSpec(`grants-bad-${suffix}`);
    const step = spec.steps[0] as Record<string, unknown>;
    step.secrets = { CRAWLER_KEY: `missing-${suffix}` };
    await expect(editor.pipelines.push({ spec })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(
        `steps.0.secrets.CRAWLER_KEY names no secret or connection: "missing-${suffix}"`,
      ),
    });
    step.secrets = { CRAWLER_KEY: names.kakao };
    step.connection = names.other;
    await expect(editor.pipelines.push({ spec })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(`steps.0.connection must name a connection; "${names.other}" is a secret`),
    });
    expect(await t.db.pipeline.findUnique({ where: { slug: spec.slug } })).toBeNull();
  });

  it('gives a step only what it names, masks the values in its log and result, and keeps them out of \
Temporal', async () => {
    const slug = `grants-${suffix}`;
    await t.api('editor').pipelines.push({ spec: grantsSpec(slug) });
    const runId = await t.trigger({ pipelineSlug: slug });
    const run = await t.waitForRun(runId);
    expect(run.status).toBe('succeeded');

    const granted = await stepOf(runId, 'granted');
    const shown = granted.result as Shown;
    // the step received the values themselves...
    expect(shown.sha256.CRAWLER_KEY).toBe(sha(KAKAO));
    expect(shown.sha256.BREWLINE_CONNECTION_PASSWORD).toBe(sha(DB_PASSWORD));
    expect(shown.sha256.BREWLINE_CONNECTION_URL).toBe(
      sha(`postgresql://loader:${DB_PASSWORD}@db.internal:5432/recsys?sslmode=prefer`),
    );
    expect(shown.variables).toEqual(
      expect.arrayContaining([
        'CRAWLER_KEY',
        'BREWLINE_CONNECTION_NAME',
        'BREWLINE_CONNECTION_TYPE',
        'BREWLINE_CONNECTION_HOST',
        'BREWLINE_CONNECTION_PORT',
        'BREWLINE_CONNECTION_DATABASE',
        'BREWLINE_CONNECTION_USER',
        'BREWLINE_CONNECTION_PASSWORD',
        'BREWLINE_CONNECTION_URL',
      ]),
    );
    expect(shown.variables).not.toContain('BREWLINE_SECRET_KEY');
    // ...and what was kept of it has them masked
    expect(shown.raw.CRAWLER_KEY).toBe('***');
    expect(shown.raw.BREWLINE_CONNECTION_PASSWORD).toBe('***');
    // the URL holds the password: it is masked whole
    expect(shown.raw.BREWLINE_CONNECTION_URL).toBe('***');
    expect(granted.log).toContain('CRAWLER_KEY=***');
    expect(granted.log).toContain('BREWLINE_CONNECTION_PASSWORD=***');

    // the step that names nothing gets nothing
    const ungranted = (await stepOf(runId, 'ungranted')).result as Shown;
    expect(ungranted.variables.filter((v) => v === 'CRAWLER_KEY' || v.startsWith('BREWLINE_CONNECTION_'))).toEqual([]);
    expect(ungranted.raw).toEqual({});

    // nothing a user can read, and nothing in the workflows' histories, holds a value
    const editor = t.api('editor');
    const readable = json([
      await t.db.stepRun.findMany({ where: { runId } }),
      await t.db.itemRun.findMany({ where: { runId } }),
      await editor.pipelines.get({ slug }),
    ]);
    const client = await t.temporal();
    const histories = await Promise.all(
      [workflowIds.run(runId), workflowIds.item(runId, 'a')].map(async (id) =>
        Buffer.from(
          temporal.api.history.v1.History.encode(await client.workflow.getHandle(id).fetchHistory()).finish(),
        ),
      ),
    );
    for (const value of [KAKAO, OTHER, DB_PASSWORD]) {
      expect(readable).not.toContain(value);
      for (const history of histories) expect(history.includes(value)).toBe(false);
    }
  });

  it('masks the values in the error of a step that fails', async () => {
    const slug = `grants-fail-${suffix}`;
    await t.register(grantsSpec(slug, { fail: true }));
    const runId = await t.trigger({ pipelineSlug: slug });
    const run = await t.waitForRun(runId);
    expect(run.status).toBe('failed');
    const step = await stepOf(runId, 'granted');
    expect(step.status).toBe('failed');
    expect(step.error).toContain('giving up with ***');
    const item = await t.db.itemRun.findFirstOrThrow({ where: { runId } });
    const seen = json([step, item, run]);
    expect(seen).not.toContain(KAKAO);
    const history = Buffer.from(
      temporal.api.history.v1.History.encode(
        await (await t.temporal()).workflow.getHandle(workflowIds.item(runId, 'a')).fetchHistory(),
      ).finish(),
    );
    expect(history.includes(KAKAO)).toBe(false);
  });

  it('rotates a value: later runs get the new one; the audit says who changed what, never a value', async () => {
    const NEW = `kk2-${randomBytes(12).toString('hex')}`;
    const admin = t.api('admin');
    const before = await admin.secrets.get({ name: names.kakao });
    await admin.secrets.rotate({ name: names.kakao, values: { value: NEW } });
    const after = await admin.secrets.get({ name: names.kakao });
    expect(after.valueVersion).toBe(before.valueVersion + 1);
    expect(after.updatedBy).toBe('admin user');

    const runId = await t.trigger({ pipelineSlug: `grants-${suffix}` });
    expect((await t.waitForRun(runId)).status).toBe('succeeded');
    const granted = await stepOf(runId, 'granted');
    expect((granted.result as Shown).sha256.CRAWLER_KEY).toBe(sha(NEW));
    expect(granted.log).not.toContain(NEW);

    const audit = await admin.secrets.audit({ name: names.kakao });
    expect(audit.map((a) => [a.action, a.actor, a.fields])).toEqual([
      ['rotated', 'admin user', ['value']],
      ['created', 'editor user', ['value']],
    ]);
    const dbAudit = await admin.secrets.audit({ name: names.db });
    expect(dbAudit.map((a) => [a.action, a.fields])).toEqual([
      ['updated', ['port']],
      ['updated', ['port', 'description']],
      ['created', ['host', 'port', 'database', 'user', 'password', 'sslmode']],
    ]);
    for (const value of [KAKAO, NEW, DB_PASSWORD]) expect(json([audit, dbAudit])).not.toContain(value);
  });

  it('checks a SQL sensor on a postgres connection, never on a variable of the worker', async () => {
    const editor = t.api('editor');
    const url = new URL(t.config.databaseUrl);
    const sensorDb = `sensor-db-${suffix}`;
    const ownDb = `own-db-${suffix}`;
    // a team's database on the same server (never Brewline's own, which the sensor refuses)
    const teamDatabase = `team_${suffix}`;
    await t.db.$executeRawUnsafe(`CREATE DATABASE "${teamDatabase}"`);
    const postgres = (database: string) => ({
      host: url.hostname,
      port: Number(url.port),
      database,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password) || 'unused-password',
    });
    // sslmode prefer: the test Postgres has no TLS, so the check falls back to a plain connection
    await editor.secrets.create({ name: sensorDb, type: 'postgres', values: postgres(teamDatabase) });
    await editor.secrets.create({ name: ownDb, type: 'postgres', values: postgres(url.pathname.slice(1)) });
    const sensorStep = (check: Record<string, unknown>) => ({
      id: 'ready',
      kind: 'sensor',
      sensor: { check, pokeIntervalMs: 200, timeoutMs: 5_000, onTimeout: 'fail' },
    });
    const spec = (slug: string, check: Record<string, unknown>) => ({
      slug,
      name: slug,
      params: { dongs: { type: 'string[]', default: ['a'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [sensorStep(check)],
    });
    // the variable form is gone: a spec naming DATABASE_URL is refused
    await expect(
      editor.pipelines.push({
        spec: spec(`sql-env-${suffix}`, { type: 'sql', query: 'SELECT 1', databaseEnv: 'DATABASE_URL' }),
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('steps.0.sensor.check') });
    await expect(
      editor.pipelines.push({
        spec: spec(`sql-secret-${suffix}`, { type: 'sql', query: 'SELECT 1', connection: names.kakao }),
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(`steps.0.sensor.check.connection must name a postgres connection`),
    });
    const slug = `sql-sensor-${suffix}`;
    await editor.pipelines.push({
      spec: spec(slug, { type: 'sql', query: "SELECT 1 WHERE $1 = 'a'", connection: sensorDb }),
    });
    const runId = await t.trigger({ pipelineSlug: slug });
    expect((await t.waitForRun(runId)).status).toBe('succeeded');
    expect((await stepOf(runId, 'ready')).log).toContain(`the SQL query on ${sensorDb} returning a row`);

    // a check only reads: a write, or a second statement after it, fails the check
    const writer = `sql-write-${suffix}`;
    await editor.pipelines.push({
      spec: spec(writer, { type: 'sql', query: 'CREATE TABLE escalated AS SELECT 1 AS id', connection: sensorDb }),
    });
    const smuggler = `sql-smuggle-${suffix}`;
    await editor.pipelines.push({
      spec: spec(smuggler, { type: 'sql', query: 'ROLLBACK; CREATE TABLE smuggled (id int)', connection: sensorDb }),
    });
    // and never on Brewline's own database (an editor once made themselves admin that way)
    const adminsBefore = await t.db.user.count({ where: { role: 'admin' } });
    const own = `sql-own-${suffix}`;
    await editor.pipelines.push({
      spec: spec(own, { type: 'sql', query: `UPDATE "User" SET role = 'admin' RETURNING id`, connection: ownDb }),
    });
    for (const pipelineSlug of [writer, smuggler, own]) {
      const refused = await t.trigger({ pipelineSlug });
      expect((await t.waitForRun(refused)).status).toBe('failed');
    }
    const errorOf = async (slug: string) =>
      (await t.db.itemRun.findFirstOrThrow({ where: { run: { pipeline: { slug } } } })).error;
    expect(await errorOf(writer)).toMatch(/read-only transaction/);
    expect(await errorOf(smuggler)).toMatch(/multiple commands/);
    expect(await errorOf(own)).toMatch(/Brewline's own database/);
    expect(await t.db.user.count({ where: { role: 'admin' } })).toBe(adminsBefore);
  });

  it('posts alerts to a connection, and shows viewers only the origin of an alert URL written in a spec', async () => {
    const received: { path: string; authorization?: string }[] = [];
    const server = http.createServer((req, res) => {
      received.push({ path: req.url!, authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
      const hook = `alert-hook-${suffix}`;
      const editor = t.api('editor');
      await editor.secrets.create({
        name: hook,
        type: 'http',
        values: { baseUrl: `${base}/hook`, headers: { Authorization: `Bearer ${TOKEN}` } },
      });
      const slackUrl = `https://hooks.slack.example/services/T0/B0/${randomBytes(8).toString('hex')}`;
      const slug = `alerting-${suffix}`;
      const spec = {
        slug,
        name: slug,
        params: { dongs: { type: 'string[]', default: ['a'] } },
        items: { source: 'param', param: 'dongs' },
        steps: [{ id: 'only', kind: 'noop' }],
        alerts: [
          { on: ['success'], type: 'webhook', connection: hook },
          // never reached: success only
          { on: ['deadline'], type: 'slack', url: slackUrl },
        ],
        deadlineMs: 3_600_000,
      };
      await expect(
        editor.pipelines.push({ spec: { ...spec, alerts: [{ on: ['success'], type: 'slack', connection: hook }] } }),
      ).rejects.toMatchObject({
        message: expect.stringContaining('alerts.0.connection must name a slack connection'),
      });
      await editor.pipelines.push({ spec });
      const runId = await t.trigger({ pipelineSlug: slug });
      expect((await t.waitForRun(runId)).status).toBe('succeeded');
      for (let i = 0; i < 100 && !(await t.db.alertDelivery.count({ where: { runId, status: 'delivered' } })); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(received).toEqual([{ path: '/hook', authorization: `Bearer ${TOKEN}` }]);
      const deliveries = await t.db.alertDelivery.findMany({ where: { runId } });
      expect(deliveries.map((d) => [d.url, d.status])).toEqual([[`connection:${hook}`, 'delivered']]);

      const seenBy = async (role: 'viewer' | 'editor') => (await t.api(role).pipelines.get({ slug })).spec.alerts;
      expect((await seenBy('viewer'))[1]!.url).toBe('https://hooks.slack.example/…');
      expect((await seenBy('editor'))[1]!.url).toBe(slackUrl);
      expect(json(await t.api('viewer').pipelines.get({ slug }))).not.toContain(TOKEN);
    } finally {
      server.close();
    }
  });

  it('refuses to delete a secret a pipeline uses, and audits the delete of one none uses', async () => {
    const editor = t.api('editor');
    await expect(editor.secrets.delete({ name: names.kakao })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`pipeline grants-${suffix}`),
    });
    await editor.secrets.delete({ name: names.other });
    expect((await editor.secrets.list()).map((s) => s.name)).not.toContain(names.other);
    expect((await editor.secrets.audit({ name: names.other })).map((a) => a.action)).toEqual(['deleted', 'created']);
  });

  it('re-encrypts every secret under a new key; the old key no longer opens them', async () => {
    const NEW_KEY = randomBytes(32);
    const actor = { id: 'test', name: 'rekey test' };
    const { reencrypted } = await reencryptSecrets(t.db, { from: KEY, to: NEW_KEY }, actor);
    expect(reencrypted).toBeGreaterThanOrEqual(2);
    const step = { secrets: { K: names.kakao }, connection: names.db };
    const resolved = await resolveStepGrants(t.db, NEW_KEY, step);
    expect(resolved.env.BREWLINE_CONNECTION_PASSWORD).toBe(DB_PASSWORD);
    await expect(resolveStepGrants(t.db, KEY, step)).rejects.toThrow(GrantError);
    // running it again changes nothing; back to the workers' key for whatever runs after
    expect((await reencryptSecrets(t.db, { from: KEY, to: NEW_KEY }, actor)).reencrypted).toBe(0);
    await reencryptSecrets(t.db, { from: NEW_KEY, to: KEY }, actor);
    expect((await t.api('viewer').secrets.audit({ name: names.db }))[0]).toMatchObject({ action: 'rekeyed' });
  });
});
