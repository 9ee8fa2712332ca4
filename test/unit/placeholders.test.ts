import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { pipelineSpecProblems, stepSpecSchema, type PipelineSpecInput } from '~/common/pipeline-spec';
import { fillPlaceholders, parsePlaceholder, placeholders } from '~/common/placeholders';
import type { StepRequest } from '~/common/run-contract';
import { attemptFiles } from '~/workers/activities/attempt-files';
import { fillStepPlaceholders, type PlaceholderValues } from '~/workers/activities/step-placeholders';

const values: Record<string, string> = { item: 'mapo', run: 'r1' };
const fill = (text: string) =>
  fillPlaceholders(
    text,
    (p) => (p.kind === 'item' || p.kind === 'run' ? values[p.kind] : undefined),
    (name) => {
      throw new Error(`no value for {${name}}`);
    },
  );

describe('placeholders: the grammar', () => {
  it('finds every {name} in order, whether or not the grammar knows it', () => {
    expect(placeholders('{in.crawl}/{item}.json --x {a:1} {item}')).toEqual(['in.crawl', 'item', 'a:1', 'item']);
    expect(placeholders('no braces, {} or { {')).toEqual([]);
  });

  it('parses each form', () => {
    expect(parsePlaceholder('runDir')).toEqual({ kind: 'runDir' });
    expect(parsePlaceholder('in.crawl')).toEqual({ kind: 'in', step: 'crawl' });
    expect(parsePlaceholder('in.crawl.result')).toEqual({ kind: 'in', step: 'crawl', result: [] });
    expect(parsePlaceholder('in.crawl.result.a.b')).toEqual({ kind: 'in', step: 'crawl', result: ['a', 'b'] });
    expect(parsePlaceholder('model.uri')).toEqual({ kind: 'model', field: 'uri' });
    expect(parsePlaceholder('params.n')).toEqual({ kind: 'params', name: 'n' });
    expect(parsePlaceholder('in.crawl.output')).toEqual({
      kind: 'unknown',
      step: 'crawl',
      problem: 'unknown placeholder {in.crawl.output} (use {in.crawl} or {in.crawl.result[.field]})',
    });
    expect(parsePlaceholder('in.crawl.result.')).toMatchObject({ kind: 'unknown', step: 'crawl' });
    expect(parsePlaceholder('model.size')).toEqual({ kind: 'unknown', problem: 'unknown placeholder {model.size}' });
    expect(parsePlaceholder('items')).toEqual({ kind: 'unknown', problem: 'unknown placeholder {items}' });
  });
});

describe('placeholders: substitution', () => {
  it('replaces each placeholder where it stands, every occurrence, and leaves the rest of the text alone', () => {
    expect(fill('{item}')).toBe('mapo');
    expect(fill('--dong={item} --run {run} again {item}')).toBe('--dong=mapo --run r1 again mapo');
    expect(fill('{{item}}')).toBe('{mapo}');
    expect(fill('plain text, {} and {{}}')).toBe('plain text, {} and {{}}');
  });

  it('inserts values literally: neither placeholders nor replacement patterns inside a value are read', () => {
    values.item = '{run} $& $1 $$';
    try {
      expect(fill('{item}|{run}')).toBe('{run} $& $1 $$|r1');
    } finally {
      values.item = 'mapo';
    }
  });

  it('reports the first placeholder that has no value', () => {
    expect(() => fill('{item} {nope} {params.x}')).toThrow('no value for {nope}');
  });
});

// A step that needs "crawl" (which returned a result), runs a model and has params: every placeholder the spec
// accepts has a value on the worker.
const crawl = { id: 'crawl', kind: 'noop' } as const;
const step = { id: 'pick', kind: 'command' as const, needs: ['crawl'], model: { name: 'clip', alias: 'production' } };
const params = { n: { type: 'integer', default: 5 }, label: { type: 'string', default: 'x' } } as const;

function specWith(arg: string): PipelineSpecInput {
  return {
    slug: 'demo',
    name: 'P',
    items: { source: 'param', param: 'dongs' },
    params: { ...params, dongs: { type: 'string[]', default: [] } },
    steps: [crawl, { ...step, command: ['node', arg] }],
  };
}

function request(): PlaceholderValues {
  const req: StepRequest = {
    runId: 'r1',
    pipelineSlug: 'demo',
    itemKey: 'mapo',
    step: stepSpecSchema.parse({ ...step, command: ['node'] }),
    needs: [{ id: 'crawl', scope: 'item' }],
    params: { n: 5, label: 'x', dongs: ['mapo'] },
    models: {
      pick: { name: 'clip', version: 3, artifactUri: 'file:///m/clip', framework: 'transformers', gpuMemoryMb: 1 },
    },
    inputs: { crawl: { result: { count: 2, cafes: { first: 'c1' } } } },
  };
  return { req, dataDir: '/data', attempt: 2, files: attemptFiles('/data/runs/r1/items/mapo/pick', 2) };
}

describe("placeholders: the worker's values", () => {
  it('fills each form from the attempt; a result or param that is not a string goes in as JSON', () => {
    const at = request();
    const filled = (text: string) => fillStepPlaceholders(text, at);
    expect(filled('{item} {run} {attempt}')).toBe('mapo r1 2');
    expect(filled('{runDir}')).toBe('/data/runs/r1/shared');
    expect(filled('{out}|{inputs}|{result}')).toBe(
      '/data/runs/r1/items/mapo/pick.attempt-2|/data/runs/r1/items/mapo/pick.attempt-2.io/inputs.json|' +
        '/data/runs/r1/items/mapo/pick.attempt-2.io/result.json',
    );
    expect(filled('{in.crawl}')).toBe('/data/runs/r1/items/mapo/crawl');
    expect(filled('{in.crawl.result}')).toBe('{"count":2,"cafes":{"first":"c1"}}');
    expect(filled('{in.crawl.result.count} {in.crawl.result.cafes.first}')).toBe('2 c1');
    expect(filled('{model.name}@{model.version} {model.uri}')).toBe('clip@3 file:///m/clip');
    expect(filled('{params.n} {params.label} {params.dongs}')).toBe('5 x ["mapo"]');
  });

  it('fails the attempt as bad input for a placeholder without a value', () => {
    const at = request();
    const err = (() => {
      try {
        fillStepPlaceholders('{in.crawl.result.missing}', at);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      message: 'item "mapo", step "pick": placeholder {in.crawl.result.missing} has no value',
      type: 'BadInput',
      nonRetryable: true,
    });
    // a sensor's check has no attempt files
    expect(() => fillStepPlaceholders('{out}', { ...at, files: undefined })).toThrow('placeholder {out} has no value');
  });

  it('agrees with the spec validation: the worker fills what the spec accepts, and nothing it rejects', () => {
    const names = [
      ...['item', 'run', 'out', 'runDir', 'attempt', 'inputs', 'result'],
      ...['in.crawl', 'in.crawl.result', 'in.crawl.result.count', 'in.crawl.output', 'in.crawl.result.', 'in.'],
      ...['in.ghost', 'in.ghost.result', 'model.uri', 'model.name', 'model.version', 'model.size', 'model'],
      ...['params.n', 'params.label', 'params.nope', 'params.', 'params', 'nope', 'a:1', 'ITEM', ' item'],
    ];
    const verdicts = names.map((name) => {
      const accepted = pipelineSpecProblems(specWith(`--x={${name}}`)).length === 0;
      let filled = true;
      try {
        fillStepPlaceholders(`{${name}}`, request());
      } catch {
        filled = false;
      }
      return { name, accepted, filled };
    });
    expect(verdicts.filter((v) => v.accepted !== v.filled)).toEqual([]);
    // both sides of the grammar are exercised
    expect(verdicts.filter((v) => v.accepted).length).toBe(15);
  });
});
