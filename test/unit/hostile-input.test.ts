// Hostile input (issue 12, section 3), the pure part: what the spec, the params, item keys, schedules, cursors and
// the worker's items files refuse, each with a message that names the field and the limit, quickly.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { itemKeyProblem, itemKeysProblems } from '~/common/item-key';
import { MAX_ITEMS_PER_RUN, MAX_SPEC_BYTES, MAX_STEPS, MAX_STRING_LENGTH } from '~/common/limits';
import { paramValueProblem, pipelineSpecProblems, resolveParams, type ParamSpec } from '~/common/pipeline-spec';
import { backfillSlotsProblem, countScheduleSlots } from '~/common/schedule-spec';
import { cafeMonthly } from '~/pipelines/cafe-monthly';
import { decodeCursor } from '~/server/presenters/cursor';
import { resolveItems } from '~/workers/activities/run-items';

const spec = (over: Record<string, unknown> = {}) => ({
  slug: 'hostile',
  name: 'hostile',
  params: { dongs: { type: 'string[]', default: ['a'] } },
  items: { source: 'param', param: 'dongs' },
  steps: [{ id: 'a', kind: 'noop' }],
  ...over,
});
const messages = (input: unknown, limits = {}) =>
  pipelineSpecProblems(input, limits).map((p) => `${p.path.join('.')}: ${p.message}`);
const timed = <T>(fn: () => T): [T, number] => {
  const started = performance.now();
  return [fn(), performance.now() - started];
};

describe('param patterns run in linear time (RE2)', () => {
  // (a+)+ against a run of a's and one mismatch backtracks exponentially in JavaScript's engine
  const evil = `${'a'.repeat(28)}!`;

  it('a catastrophic pattern answers at once, at push (a default) and at trigger', () => {
    const params = { dongs: { type: 'string[]', default: ['a'] }, word: { type: 'string', pattern: '(a+)+' } };
    const [problems, pushMs] = timed(() =>
      messages(spec({ params: { ...params, word: { ...params.word, default: evil } } })),
    );
    expect(problems).toEqual(['params.word.default: must match (a+)+']);
    const [resolved, triggerMs] = timed(() => resolveParams(spec({ params }) as never, { word: evil }));
    expect(resolved.problems).toEqual([{ path: ['params', 'word'], message: 'must match (a+)+' }]);
    expect(pushMs + triggerMs).toBeLessThan(1_000);
    expect(resolveParams(spec({ params }) as never, { word: 'aaaa' }).problems).toEqual([]);
  });

  it('a pattern RE2 cannot run (lookaround, backreferences) or parse is refused at push, naming the field', () => {
    for (const pattern of ['(?=a)a', '(a)\\1', '[']) {
      const params = { dongs: { type: 'string[]' }, word: { type: 'string', pattern } };
      expect(messages(spec({ params }))).toEqual([
        expect.stringMatching(/^params\.word\.pattern: is not a regular expression RE2 accepts/),
      ]);
    }
  });

  it('the portal form checks with the same engine', () => {
    const param = { type: 'string', pattern: '(a+)+', description: '' } as ParamSpec;
    const [problem, ms] = timed(() => paramValueProblem(param, evil));
    expect(problem).toBe('must match (a+)+');
    expect(ms).toBeLessThan(500);
  });
});

describe('steps', () => {
  const chain = (n: number, cycle = false) =>
    Array.from({ length: n }, (_, i) => ({
      id: `s${i}`,
      kind: 'noop',
      needs: i > 0 ? [`s${i - 1}`] : cycle ? [`s${n - 1}`] : [],
    }));

  it(`a 30,000-step spec is refused for its size (at most ${MAX_STEPS} steps), not a stack overflow`, () => {
    expect(messages(spec({ steps: chain(30_000) }))).toEqual(['steps: must have at most 500 steps (MAX_STEPS)']);
  });

  it('cycles are found without recursion, the longest chain the limit allows included', () => {
    expect(messages(spec({ steps: chain(MAX_STEPS) }))).toEqual([]);
    const [problem] = messages(spec({ steps: chain(MAX_STEPS, true) }));
    expect(problem).toMatch(/^steps: the steps form a cycle: s0 -> s499 -> s498 -> .* -> s1 -> s0$/);
  });
});

describe('sizes', () => {
  it('a spec larger than MAX_SPEC_BYTES is refused before it is read, naming the limit', () => {
    expect(messages(spec({ description: 'x'.repeat(MAX_SPEC_BYTES) }))).toEqual([
      ': the spec is 2.0 MiB as JSON, more than a spec may be (MAX_SPEC_BYTES: 2 MiB)',
    ]);
  });

  it('command arguments, args, env values and param values are bounded by MAX_STRING_LENGTH', () => {
    const long = 'x'.repeat(MAX_STRING_LENGTH + 1);
    const limit = 'must be at most 16,384 characters (MAX_STRING_LENGTH)';
    expect(
      messages(
        spec({
          steps: [
            { id: 'a', kind: 'command', command: ['echo', long], env: { X: long } },
            { id: 'b', kind: 'builtin', builtin: 'cafe.load', args: { text: long } },
          ],
        }),
      ),
    ).toEqual([`steps.0.command.1: ${limit}`, `steps.0.env.X: ${limit}`, `steps.1.args.text: ${limit}`]);
    const params = { dongs: { type: 'string[]' }, word: { type: 'string' } };
    expect(resolveParams(spec({ params }) as never, { dongs: ['a'], word: long }).problems).toEqual([
      { path: ['params', 'word'], message: limit },
    ]);
  });
});

describe('item keys', () => {
  it('are limited by their UTF-8 bytes: 100 Hangul syllables (300 bytes) would not fit a path segment', () => {
    expect(itemKeyProblem('동'.repeat(100))).toBe(
      'must be at most 200 bytes in UTF-8 (it names a folder; a Hangul syllable takes 3 bytes)',
    );
    expect(itemKeyProblem('동'.repeat(66))).toBeNull();
  });

  it(`a run has at most MAX_ITEMS_PER_RUN (${MAX_ITEMS_PER_RUN.toLocaleString('en-US')}) items`, () => {
    const keys = Array.from({ length: MAX_ITEMS_PER_RUN + 1 }, (_, i) => `k${i}`);
    expect(itemKeysProblems(keys)).toEqual(['100,001 items are more than a run may have (MAX_ITEMS_PER_RUN: 100,000)']);
    expect(itemKeysProblems(keys.slice(1))).toEqual([]);
  });
});

describe('params that reach argv', () => {
  const run = (params: Record<string, unknown>, sharedDirs: string[] = []) =>
    resolveParams(cafeMonthly as never, params, { sharedDirs }).problems.map(
      (p) => `${p.path.join('.')}: ${p.message}`,
    );

  it('the sample refuses a file outside its folders, a negative image count and an option for a path', () => {
    expect(run({ dongsFile: '/etc/passwd' })).toEqual([
      'params.dongsFile: must be a relative path, or inside a folder the admin shares with steps ' +
        '(BREWLINE_STEP_SHARED_DIRS)',
    ]);
    expect(run({ dongsFile: '../../etc/passwd' })).toEqual([
      `params.dongsFile: must not contain ".." (it must stay inside the worker's folders)`,
    ]);
    expect(run({ dongsFile: '.data/admin-credentials.txt' })).toEqual([
      'params.dongsFile: must not name hidden files or folders (a part starting with ".": .env, .git, the data folder)',
    ]);
    expect(run({ sourceDir: '-rf' })).toEqual(['params.sourceDir: must not start with "-"']);
    expect(run({ imagesPerCafe: -1 })).toEqual(['params.imagesPerCafe: must be at least 1']);
    expect(run({ imagesPerCafe: 1_000_000 })).toEqual(['params.imagesPerCafe: must be at most 20']);
    expect(run({ dongsFile: '/srv/drop/dongs.json' }, ['/srv/drop'])).toEqual([]);
    expect(run({ dongsFile: 'pipelines/cafe/sample/dongs.json', imagesPerCafe: 3 })).toEqual([]);
  });

  it('a string param starting with "-" is refused unless the spec allows it', () => {
    const params = { dongs: { type: 'string[]' }, flag: { type: 'string' } };
    expect(resolveParams(spec({ params }) as never, { dongs: ['a'], flag: '-rf' }).problems).toEqual([
      {
        path: ['params', 'flag'],
        message: 'must not start with "-" (a program would read it as an option; the spec may set allowLeadingDash)',
      },
    ]);
    const allowing = { ...params, flag: { type: 'string', allowLeadingDash: true } };
    expect(resolveParams(spec({ params: allowing }) as never, { dongs: ['a'], flag: '-v' }).problems).toEqual([]);
  });

  it('an items file chosen by a param must come from a path param', () => {
    const params = { file: { type: 'string', default: 'items.json' } };
    expect(messages(spec({ params, items: { source: 'file', path: '{params.file}' } }))).toEqual([
      'items.path: {params.file} must name a path param (a string param with path: true)',
    ]);
    const pathParams = { file: { ...params.file, path: true } };
    expect(messages(spec({ params: pathParams, items: { source: 'file', path: '{params.file}' } }))).toEqual([]);
  });
});

describe("the worker's items file", () => {
  it('is read only inside its folders, and its errors never quote the file', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'items-cwd-'));
    const source = { source: 'file', path: '{params.file}' } as const;
    await expect(resolveItems(source, { file: '/etc/passwd' }, cwd)).rejects.toThrow(
      'items file /etc/passwd is outside the folders a worker reads items from ' +
        '(its working directory and BREWLINE_STEP_SHARED_DIRS)',
    );
    // even a file it may read is not echoed when it is not a list of keys
    await writeFile(path.join(cwd, 'secret.txt'), 'root:x:0:0:root:/root:/bin/bash\n');
    const err = await resolveItems(source, { file: 'secret.txt' }, cwd).catch((e: Error) => e);
    expect(String(err)).toMatch(/items file secret\.txt is not a JSON array \(invalid JSON( at position \d+)?\)/);
    expect(String(err)).not.toContain('root');
    await writeFile(path.join(cwd, 'ok.json'), '["a","b"]');
    expect(await resolveItems(source, { file: 'ok.json' }, cwd)).toEqual(['a', 'b']);
  });
});

describe('schedules', () => {
  it('an interval of 0, one below the minimum or one beyond a year is refused, naming the field', () => {
    const schedules = [
      { name: 'zero', every: '0s' },
      { name: 'second', every: '1s' },
      { name: 'forever', every: '99999999999999999999d' },
    ];
    expect(messages(spec({ schedules }))).toEqual([
      'schedules.0.every: must be longer than 0',
      'schedules.2.every: must be at most 366d (use cron for rarer fires)',
      "schedules.1.every: must be at least 1m (the server's minimum interval, BREWLINE_MIN_SCHEDULE_INTERVAL_S)",
    ]);
    // an admin may allow less
    expect(messages(spec({ schedules: [schedules[1]] }), { minScheduleIntervalS: 1 })).toEqual([]);
  });

  it('a backfill counts its slots, up to one past MAX_BACKFILL_SLOTS', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const hourly = { cron: '0 * * * *', timezone: 'UTC' };
    expect(countScheduleSlots(hourly, start, new Date('2026-01-01T03:00:00Z'))).toBe(3);
    expect(countScheduleSlots({ every: '1h', timezone: 'UTC' }, start, new Date('2026-01-01T03:00:00Z'))).toBe(3);
    const aYear = new Date('2027-01-01T00:00:00Z');
    expect(countScheduleSlots(hourly, start, aYear)).toBe(1_001);
    expect(countScheduleSlots({ every: '1m', timezone: 'UTC' }, start, aYear)).toBe(1_001);
    expect(backfillSlotsProblem(1_001)).toMatch(/more than 1,000 slots, the most one backfill may start/);
    expect(backfillSlotsProblem(1_000)).toBeNull();
  });
});

describe('cursors', () => {
  const cursor = (text: string) => Buffer.from(text).toString('base64url');

  it('a date outside 1970 to 9999 or an id that is no uuid is a bad request, not a database error', () => {
    for (const bad of [
      '-100000-01-01T00:00:00.000Z|0193a7d4-0000-7000-8000-000000000000',
      '+275760-09-13T00:00:00.000Z|0193a7d4-0000-7000-8000-000000000000',
      '2026-01-01T00:00:00.000Z|x\u0000',
    ])
      expect(() => decodeCursor(cursor(bad))).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST', fields: [{ path: ['cursor'], message: expect.any(String) }] }),
      );
    expect(decodeCursor(cursor('2026-01-01T00:00:00.000Z|0193a7d4-0000-7000-8000-000000000000')).id).toBe(
      '0193a7d4-0000-7000-8000-000000000000',
    );
  });
});
