// Hostile input (issue 12, section 3) through the API and its HTTP route: each is a 4xx that names the field and
// the limit, stores nothing, and neither stalls nor crashes the server; one bad schedule does not stop the others.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import { MAX_ITEMS_PER_RUN, MiB } from '~/common/limits';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { handleApiRequest } from '~/server/api/http';
import { appRouter } from '~/server/api/root';
import { createCallerFactory, createTRPCRouter, publicProcedure } from '~/server/api/trpc';
import { SCOPES } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { reconcileSchedules } from '~/server/services/schedules/temporal-schedules';
import { type CafeResults, cafeResults, cafeSecretKey } from '../support/cafe-results';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let results: CafeResults;
const editor = () => t.api('editor');
const base = (slug: string, over: Record<string, unknown> = {}) => ({
  slug,
  name: slug,
  params: { dongs: { type: 'string[]', default: ['a'] } },
  items: { source: 'param', param: 'dongs' },
  steps: [{ id: 'work', kind: 'noop' }],
  ...over,
});

/** A refused call: its code and each field problem as "path: message". */
async function refused(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  const err = await call.then(
    () => {
      throw new Error('the call was not refused');
    },
    (e: { code: string; cause?: unknown }) => e,
  );
  const cause = err.cause;
  const fields =
    cause instanceof ZodError
      ? cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
      : cause instanceof AppError
        ? cause.fields.map((f) => `${f.path.join('.')}: ${f.message}`)
        : [];
  return { code: err.code, fields };
}

const pipelineStored = async (slug: string) => !!(await t.db.pipeline.findUnique({ where: { slug } }));

beforeAll(async () => {
  t = await testContext(cafeSecretKey());
  // the cafe sample's results API and pipeline, which names its results connection
  results = await cafeResults(t);
  await t.startWorkers({
    builtins: {
      // a crawl that finds too many items
      'hostile.manyItems': async (ctx) => {
        const keys = Array.from({ length: MAX_ITEMS_PER_RUN + 1 }, (_, i) => `k${i}`);
        await writeFile(path.join(ctx.outDir, 'items.json'), JSON.stringify(keys));
      },
    },
  });
});
afterAll(async () => {
  for (const slug of ['hostile-often', 'hostile-hourly'])
    if (await pipelineStored(slug)) await t.api('admin').pipelines.delete({ slug });
  await results?.close();
  await t.close();
});

describe('regular expressions', () => {
  // (a+)+ against a run of a's and one mismatch backtracks exponentially in JavaScript's own engine
  const evil = `${'a'.repeat(28)}!`;

  it('pipelines.validate, open to viewers, answers a catastrophic pattern at once', async () => {
    const started = Date.now();
    const { problems } = await t.api('viewer').pipelines.validate({
      spec: base('hostile-regex', {
        params: { dongs: { type: 'string[]' }, word: { type: 'string', pattern: '(a+)+', default: evil } },
      }),
    });
    expect(problems).toEqual([{ path: ['params', 'word', 'default'], message: 'must match (a+)+' }]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a pattern RE2 cannot run is refused at push, naming the field, and nothing is stored', async () => {
    const spec = base('hostile-lookahead', {
      params: { dongs: { type: 'string[]' }, word: { type: 'string', pattern: '(?=a)a' } },
    });
    expect(await refused(editor().pipelines.push({ spec }))).toEqual({
      code: 'BAD_REQUEST',
      fields: [expect.stringMatching(/^params\.word\.pattern: is not a regular expression RE2 accepts/)],
    });
    expect(await pipelineStored('hostile-lookahead')).toBe(false);
  });
});

describe('sizes', () => {
  it('a 30,000-step spec is a 400 naming steps and the limit, not a stack overflow', async () => {
    const steps = Array.from({ length: 30_000 }, (_, i) => ({
      id: `s${i}`,
      kind: 'noop',
      needs: i ? [`s${i - 1}`] : [],
    }));
    expect(await refused(editor().pipelines.push({ spec: base('hostile-steps', { steps }) }))).toEqual({
      code: 'BAD_REQUEST',
      fields: ['steps: must have at most 500 steps (MAX_STEPS)'],
    });
    expect(await pipelineStored('hostile-steps')).toBe(false);
  });

  it('a run of more than MAX_ITEMS_PER_RUN items is refused at trigger, naming the param and the limit', async () => {
    await t.register(base('hostile-items'));
    const dongs = Array.from({ length: MAX_ITEMS_PER_RUN + 1 }, (_, i) => `k${i}`);
    expect(await refused(editor().runs.trigger({ pipelineSlug: 'hostile-items', params: { dongs } }))).toEqual({
      code: 'BAD_REQUEST',
      fields: ['params.dongs: 100,001 items are more than a run may have (MAX_ITEMS_PER_RUN: 100,000)'],
    });
    expect(await t.db.run.count({ where: { pipeline: { slug: 'hostile-items' } } })).toBe(0);
  });

  it('an item key is measured in UTF-8 bytes: 100 Hangul syllables are refused before naming a folder', async () => {
    const key = '동'.repeat(100);
    expect(await refused(editor().runs.trigger({ pipelineSlug: 'hostile-items', params: { dongs: [key] } }))).toEqual({
      code: 'BAD_REQUEST',
      fields: [
        `params.dongs: items[0] "${key}" must be at most 200 bytes in UTF-8 ` +
          '(it names a folder; a Hangul syllable takes 3 bytes)',
      ],
    });
  });

  it('a step that lists more than MAX_ITEMS_PER_RUN items fails its run, naming the limit', async () => {
    await t.register(
      base('hostile-crawl', {
        params: {},
        items: { source: 'step', step: 'list', file: 'items.json' },
        steps: [
          { id: 'list', kind: 'builtin', builtin: 'hostile.manyItems', scope: 'before' },
          { id: 'work', kind: 'noop' },
        ],
      }),
    );
    const run = await t.waitForRun(await t.trigger({ pipelineSlug: 'hostile-crawl' }));
    expect(run).toMatchObject({ status: 'failed', itemsTotal: 0 });
    expect(run.error).toContain('100,001 items are more than a run may have (MAX_ITEMS_PER_RUN: 100,000)');
  });
});

describe('numbers and dates out of range', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  const ancient = cursor('-100000-01-01T00:00:00.000Z|0193a7d4-0000-7000-8000-000000000000');

  it('a version past Postgres integer, or a cursor from year -100000, is a 400 naming the field', async () => {
    const viewer = t.api('viewer');
    const tooBig = 'Too big: expected number to be <=2147483647';
    expect(await refused(viewer.pipelines.get({ slug: 'hostile-items', version: 1e15 }))).toEqual({
      code: 'BAD_REQUEST',
      fields: [`version: ${tooBig}`],
    });
    expect(await refused(viewer.pipelines.diff({ slug: 'hostile-items', from: 1, to: 1e15 }))).toEqual({
      code: 'BAD_REQUEST',
      fields: [`to: ${tooBig}`],
    });
    expect(
      await refused(editor().models.moveAlias({ name: 'clip-representative', alias: 'staging', version: 1e15 })),
    ).toEqual({ code: 'BAD_REQUEST', fields: [`version: ${tooBig}`] });
    const notOurs = { code: 'BAD_REQUEST', fields: ['cursor: is not a cursor this API returned'] };
    expect(await refused(viewer.runs.list({ cursor: ancient }))).toEqual(notOurs);
    const resultsViewer = results.api({ kind: 'user', id: 'v', name: 'viewer', role: 'viewer', scopes: SCOPES });
    expect(await refused(resultsViewer.results.changedSince({ cursor: ancient }))).toEqual(notOurs);
  });

  it('a NUL character, which Postgres text refuses, is a 400 naming the field', async () => {
    expect(await refused(t.api('viewer').runs.list({ pipelineSlug: 'a\u0000b' }))).toEqual({
      code: 'BAD_REQUEST',
      fields: ['pipelineSlug: must not contain the NUL character'],
    });
  });
});

describe('schedules', () => {
  it('an interval of 0s or 1s is refused at push, naming the field; nothing is stored', async () => {
    for (const every of ['0s', '1s']) {
      const spec = base('hostile-often', { schedules: [{ name: 'often', every }] });
      expect(await refused(editor().pipelines.push({ spec }))).toEqual({
        code: 'BAD_REQUEST',
        fields: [
          every === '0s'
            ? 'schedules.0.every: must be longer than 0'
            : "schedules.0.every: must be at least 1m (the server's minimum interval, " +
              'BREWLINE_MIN_SCHEDULE_INTERVAL_S)',
        ],
      });
    }
    expect(await pipelineStored('hostile-often')).toBe(false);
    // an admin may allow less (BREWLINE_MIN_SCHEDULE_INTERVAL_S)
    const allowing = createCallerFactory(appRouter)({
      db: t.db,
      temporal: t.temporal,
      config: { ...t.config, minScheduleIntervalS: 1 },
      actor: { kind: 'user', id: 'test-editor', name: 'editor', role: 'editor', scopes: SCOPES },
    });
    const spec = base('hostile-often', { schedules: [{ name: 'often', every: '1s', paused: true }] });
    expect(await allowing.pipelines.push({ spec })).toMatchObject({ slug: 'hostile-often', created: true });
  });

  it('a backfill of more than 1,000 slots, over ten years or from year 1 is refused, naming the field', async () => {
    const spec = base('hostile-hourly', { schedules: [{ name: 'hourly', cron: '0 * * * *', paused: true }] });
    await editor().pipelines.push({ spec });
    const [schedule] = await editor().schedules.list({ pipelineSlug: 'hostile-hourly' });
    const backfill = (start: string, end: string) =>
      refused(editor().schedules.backfill({ id: schedule!.id, start: new Date(start), end: new Date(end) }));
    expect(await backfill('2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z')).toEqual({
      code: 'BAD_REQUEST',
      fields: [
        'end: the range holds more than 1,000 slots, the most one backfill may start (MAX_BACKFILL_SLOTS): ' +
          'backfill it in parts',
      ],
    });
    expect(await backfill('2000-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toEqual({
      code: 'BAD_REQUEST',
      fields: ['end: must be at most 3660 days after start (MAX_BACKFILL_SPAN_MS): split it'],
    });
    expect(await backfill('0001-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toEqual({
      code: 'BAD_REQUEST',
      fields: ['start: must be a date from 1970 to 9999'],
    });
  });

  it('reconciling at a worker start skips a schedule Temporal refuses or one too frequent; the rest sync', async () => {
    const pipeline = await t.db.pipeline.findUniqueOrThrow({ where: { slug: 'hostile-hourly' } });
    // rows as a database written before these checks may hold them
    const bad = await Promise.all(
      ['0s', '1s'].map((every) =>
        t.db.schedule.create({
          data: {
            pipelineId: pipeline.id,
            name: `bad-${every}`,
            temporalScheduleId: `brewline-hostile-hourly-bad-${every}`,
            every,
            timezone: 'UTC',
            overlap: 'skip',
            catchupWindow: '1m',
            params: {},
          },
        }),
      ),
    );
    try {
      const client = await t.temporal();
      await client.schedule.getHandle('brewline-hostile-hourly-hourly').delete();
      const result = await reconcileSchedules({ db: t.db, temporal: t.temporal, config: t.config });
      expect(result.failed.map((f) => f.schedule)).toEqual(
        expect.arrayContaining(bad.map((b) => b.temporalScheduleId)),
      );
      expect(result.failed.find((f) => f.schedule.endsWith('1s'))?.error).toMatch(/BREWLINE_MIN_SCHEDULE_INTERVAL_S/);
      // the good one is back in Temporal, the bad ones are not there
      expect((await client.schedule.getHandle('brewline-hostile-hourly-hourly').describe()).state.paused).toBe(true);
      for (const b of bad)
        await expect(client.schedule.getHandle(b.temporalScheduleId).describe()).rejects.toThrow(/not found/i);
    } finally {
      await t.db.schedule.deleteMany({ where: { id: { in: bad.map((b) => b.id) } } });
    }
  });
});

describe('params that reach argv and files', () => {
  it('the sample refuses /etc/passwd as dongs file, a negative image count and an option; stores nothing', async () => {
    await t.register(cafeMonthly);
    const before = await t.db.run.count({ where: { pipeline: { slug: 'cafe-monthly' } } });
    expect(
      await refused(
        editor().runs.trigger({
          pipelineSlug: 'cafe-monthly',
          params: { dongsFile: '/etc/passwd', sourceDir: '-rf', imagesPerCafe: -1 },
        }),
      ),
    ).toEqual({
      code: 'BAD_REQUEST',
      fields: [
        // in the stored spec's order (Postgres orders an object's keys)
        'params.dongsFile: must be a relative path, or inside a folder the admin shares with steps ' +
          '(BREWLINE_STEP_SHARED_DIRS)',
        'params.sourceDir: must not start with "-"',
        'params.imagesPerCafe: must be at least 1',
      ],
    });
    expect(await t.db.run.count({ where: { pipeline: { slug: 'cafe-monthly' } } })).toBe(before);
  });

  it("an items file outside the worker's folders fails the run without quoting the file", async () => {
    await t.register(base('hostile-passwd', { params: {}, items: { source: 'file', path: '/etc/passwd' } }));
    const run = await t.waitForRun(await t.trigger({ pipelineSlug: 'hostile-passwd' }));
    expect(run.status).toBe('failed');
    expect(run.error).toContain('items file /etc/passwd is outside the folders a worker reads items from');
    expect(run.error).not.toMatch(/root:/);
  });
});

describe('over HTTP (the route handler)', () => {
  let POST: (req: Request) => Promise<Response>;
  beforeAll(async () => {
    // the route reads the process's configuration and database, as the portal does
    Object.assign(process.env, { DATABASE_URL: t.env.DATABASE_URL, TEMPORAL_ADDRESS: t.env.TEMPORAL_ADDRESS });
    (globalThis as { brewlineDb?: Db }).brewlineDb = t.db;
    ({ POST } = await import('~/app/api/trpc/[trpc]/route'));
  });
  const post = async (procedures: string, body: string, batch = false) => {
    const res = await POST(
      new Request(`http://localhost:3000/api/trpc/${procedures}${batch ? '?batch=1' : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    const json = (await res.json()) as unknown;
    const first = (Array.isArray(json) ? json[0] : json) as { error?: { json: { message: string } } };
    return { status: res.status, message: first.error?.json.message };
  };
  const padded = (bytes: number) => JSON.stringify({ json: { spec: { description: 'x'.repeat(bytes) } } });

  it('caps the body at 1 MiB, and at 4 MiB for the calls that carry a spec, naming the limit', async () => {
    expect(await post('runs.trigger', padded(1.5 * MiB))).toEqual({
      status: 413,
      message:
        'The request body is larger than 1 MiB, the most the API accepts ' +
        '(MAX_REQUEST_BYTES; pipelines.push, pipelines.validate, notebooks.import and models.registerVersion ' +
        'accept 4 MiB)',
    });
    // read whole, then refused for want of a caller: the size passed
    expect((await post('pipelines.push', padded(2 * MiB))).status).toBe(401);
    expect(await post('pipelines.push', padded(5 * MiB))).toEqual({
      status: 413,
      message:
        'The request body is larger than 4 MiB, the most pipelines.push, pipelines.validate, notebooks.import ' +
        'and models.registerVersion accept (MAX_SPEC_REQUEST_BYTES)',
    });
  });

  it('caps a batch at 50 calls, naming the limit', async () => {
    const calls = Array.from({ length: 51 }, () => 'auth.me').join(',');
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [i, { json: null }])));
    expect(await post(calls, body, true)).toEqual({
      status: 400,
      message: 'A batch may hold at most 50 calls (MAX_BATCH_CALLS)',
    });
  });

  it('a NUL in a sign-in email is a 400, not a database error', async () => {
    const res = await post('auth.signIn', JSON.stringify({ json: { email: 'a\u0000@b.c', password: 'x' } }));
    expect(res).toEqual({ status: 400, message: 'The input is invalid: email must not contain the NUL character' });
  });

  it('an unexpected error reaches the client as "Internal error" and an id, logged with its cause', async () => {
    const router = createTRPCRouter({
      boom: publicProcedure.query(() => {
        throw new Error('Invalid `prisma.run.findMany()` invocation: value "1e15" is out of range for type integer');
      }),
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await handleApiRequest(new Request('http://localhost:3000/api/trpc/boom'), { router });
      const { error } = (await res.json()) as { error: { json: { message: string } } };
      expect(res.status).toBe(500);
      const id = /^Internal error \(id ([0-9a-f-]{36})\)$/.exec(error.json.message)?.[1];
      expect(id).toBeDefined();
      expect(JSON.stringify(error)).not.toMatch(/prisma|out of range/i);
      expect(logged).toHaveBeenCalledWith(
        `tRPC boom internal error ${id}:`,
        expect.objectContaining({ message: expect.stringContaining('prisma') }),
      );
    } finally {
      logged.mockRestore();
    }
  });
});
