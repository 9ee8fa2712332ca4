import { describe, expect, it } from 'vitest';
import { pipelineSpecProblems, pipelineSpecSchema, resolveParams, stepsInOrder } from '~/common/pipeline-spec';
import { cafeMonthly } from '~/pipelines/cafe-monthly';

const base = {
  slug: 'demo',
  name: 'P',
  items: { source: 'file', path: 'items.json' },
};
const problems = (spec: unknown) => pipelineSpecProblems(spec).map((p) => `${p.path.join('.')}: ${p.message}`);

describe('pipeline spec', () => {
  it('accepts the cafe sample and fills defaults', () => {
    const spec = pipelineSpecSchema.parse(cafeMonthly);
    expect(spec.maxInFlight).toBe(50);
    expect(spec.steps.find((s) => s.id === 'download-images')).toMatchObject({
      scope: 'item',
      retry: { maxAttempts: 3 },
    });
  });

  it('reports every problem at once, each with its path', () => {
    const found = problems({
      ...base,
      slug: 'Bad Slug',
      steps: [
        { id: 'a', kind: 'command', command: ['x', '{in.b}'], needs: ['b'] },
        { id: 'b', kind: 'command', command: ['y'], needs: ['a'] },
        { id: 'b', kind: 'builtin' },
        { id: 'c', kind: 'command', command: ['z', '{params.nope}'], needs: ['ghost'] },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^slug: /),
        'steps.2.builtin: a builtin step needs the builtin name',
        'steps.2.id: duplicate step id "b"',
        'steps.3.needs.0: unknown step "ghost"',
        'steps.3.command.1: {params.nope} names an unknown param',
        expect.stringMatching(/^steps: the steps form a cycle: (a -> b -> a|b -> a -> b)$/),
      ]),
    );
  });

  it("checks a builtin step's args like command arguments: placeholders, and camelCase names", () => {
    expect(
      problems({
        ...base,
        params: { n: { type: 'integer', default: 5 } },
        steps: [
          { id: 'crawl', kind: 'noop' },
          {
            id: 'pick',
            kind: 'builtin',
            builtin: 'cafe.representativeImages',
            needs: ['crawl'],
            args: { count: '{params.n}', reviews: '{in.crawl}/r.json', from: '{in.other}', 'Bad-Name': 'x' },
          },
        ],
      }),
    ).toEqual([
      'steps.1.args.Bad-Name: must be a camelCase name',
      'steps.1.args.from: {in.other} names a step that "pick" does not need',
    ]);
  });

  it('rejects an item step that needs a run-level "after" step, and a bad param default', () => {
    expect(
      problems({
        ...base,
        params: { n: { type: 'integer', default: 'five' } },
        steps: [
          { id: 'fin', kind: 'noop', scope: 'after' },
          { id: 'per', kind: 'noop', needs: ['fin'] },
        ],
      }),
    ).toEqual([
      'steps.1.needs.0: a item step cannot need the after step "fin"',
      'params.n.default: does not match its type integer',
    ]);
  });

  it('keeps item and alongside steps apart (they run at the same time); after steps may need alongside ones', () => {
    expect(
      problems({
        ...base,
        steps: [
          { id: 'crawl', kind: 'noop', scope: 'alongside' },
          { id: 'per', kind: 'noop', needs: ['crawl'] },
          { id: 'side', kind: 'noop', scope: 'alongside', needs: ['per'] },
          { id: 'fin', kind: 'noop', scope: 'after', needs: ['crawl', 'per'] },
        ],
      }),
    ).toEqual([
      'steps.1.needs.0: a item step cannot need the alongside step "crawl"',
      'steps.2.needs.0: a alongside step cannot need the item step "per"',
    ]);
  });

  it('refuses hostile code cells: unpinned or option-like requirements, oversized code, needing a note', () => {
    const cells = (steps: unknown[], python?: unknown) => problems({ ...base, steps, ...(python ? { python } : {}) });
    expect(
      cells([{ id: 'a', kind: 'python', code: 'print(1)' }], {
        requirements: [
          'pandas',
          'pandas>=2',
          '--index-url=http://evil.example/simple',
          '-e git+https://x/y',
          'six==1.16.0',
        ],
      }),
    ).toEqual(
      [0, 1, 2, 3].map(
        (i) => `python.requirements.${i}: must be pinned: "name==version" (extras allowed: name[x]==1.0)`,
      ),
    );
    expect(cells([{ id: 'a', kind: 'python', code: 'x'.repeat(256 * 1024 + 1) }])).toEqual([
      'steps.0.code: must be at most 256 KiB (MAX_CELL_CODE_BYTES)',
    ]);
    expect(
      cells([
        { id: 'note', kind: 'markdown', markdown: '# hi' },
        { id: 'a', kind: 'shell', code: 'echo', needs: ['note'] },
        { id: 'b', kind: 'python' },
      ]),
    ).toEqual([
      'steps.2.code: a python cell needs its code (one of code or codeHash)',
      'steps.1.needs.0: "note" is a markdown cell: it has no output',
    ]);
  });

  it('rejects an unknown queue', () => {
    expect(problems({ ...base, steps: [{ id: 'a', kind: 'noop', queue: 'tpu' }] })[0]).toMatch(/^steps\.0\.queue: /);
  });

  it('rejects bad schedules: cron, time zone, both or neither of cron and every, unknown params', () => {
    expect(
      problems({
        ...base,
        steps: [{ id: 'a', kind: 'noop' }],
        schedules: [
          { name: 'a', cron: '61 * * * *' },
          { name: 'b', cron: '0 3 1 * *', timezone: 'Mars/Olympus' },
          { name: 'c', cron: '* * * * *', every: '5m' },
          { name: 'd', every: '5 minutes' },
          { name: 'e', every: '1m', params: { nope: 1 } },
          { name: 'e', every: '1m' },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^schedules\.0\.cron: invalid cron expression: /),
      'schedules.1.timezone: unknown time zone "Mars/Olympus"',
      'schedules.2.cron: give exactly one of cron or every',
      expect.stringMatching(/^schedules\.3\.every: must be a number and a unit/),
      'schedules.4.params.nope: is not a param of this pipeline',
      'schedules.5.name: duplicate schedule name "e"',
    ]);
  });

  it('resolves params: defaults, unknown names, wrong types', () => {
    const spec = pipelineSpecSchema.parse({
      ...base,
      params: { n: { type: 'integer', default: 3 }, name: { type: 'string' } },
      steps: [{ id: 'a', kind: 'noop' }],
    });
    expect(resolveParams(spec, { name: 'x' })).toEqual({ params: { n: 3, name: 'x' }, problems: [] });
    expect(resolveParams(spec, { n: 1.5, extra: 1 }).problems).toEqual([
      { path: ['params', 'extra'], message: 'is not a param of this pipeline' },
      { path: ['params', 'n'], message: 'must be an integer' },
      { path: ['params', 'name'], message: 'is required' },
    ]);
  });

  it('checks param constraints: bounds, choices, patterns, list sizes, and defaults that break them', () => {
    const spec = pipelineSpecSchema.parse({
      ...base,
      params: {
        n: { type: 'integer', default: 5, min: 1, max: 10 },
        mode: { type: 'string', default: 'full', enum: ['full', 'reviews'] },
        month: { type: 'string', default: '2026-11', pattern: '\\d{4}-\\d{2}' },
        dongs: { type: 'string[]', default: ['a'], min: 1 },
      },
      steps: [{ id: 'a', kind: 'noop' }],
    });
    expect(
      resolveParams(spec, { n: 11, mode: 'partial', month: 'Nov', dongs: [] }).problems.map(
        (p) => `${p.path.join('.')} ${p.message}`,
      ),
    ).toEqual([
      'params.n must be at most 10',
      'params.mode must be one of full, reviews',
      'params.month must match \\d{4}-\\d{2}',
      'params.dongs must have at least 1 entries',
    ]);
    expect(
      problems({ ...base, params: { n: { type: 'integer', default: 0, min: 1 } }, steps: [{ id: 'a', kind: 'noop' }] }),
    ).toEqual(['params.n.default: must be at least 1']);
  });

  it('orders steps after those they need', () => {
    const order = stepsInOrder([
      { id: 'c', needs: ['b'] },
      { id: 'a', needs: [] },
      { id: 'b', needs: ['a'] },
    ]).map((s) => s.id);
    expect(order).toEqual(['a', 'b', 'c']);
  });
});
