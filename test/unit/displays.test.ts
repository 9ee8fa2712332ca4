// What a cell displays: each kind of the cell contract reads as a display, junk is refused with where and why, a
// stored list with a bad entry still shows the others, and a table says its true size.
import { describe, expect, it } from 'vitest';
import {
  DISPLAY_TABLE_MAX_ROWS,
  displaySchema,
  readRecordedDisplays,
  recordedDisplaySchema,
  type TableDisplay,
} from '~/common/displays';
import { tableShapeText } from '~/app/_components/outputs/table-output';
import { outputPath } from '~/server/presenters/displays';

const table = {
  kind: 'table',
  columns: ['dong', 'cafes'],
  rows: [
    ['Yeoksam-dong', 41],
    ['Seogyo-dong', null],
  ],
};
const EACH_KIND = [
  { ...table, shape: [1_200, 2] },
  { kind: 'image', file: 'displays/3.png', width: 640, height: 480 },
  { kind: 'vega-lite', spec: { mark: 'bar', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a' } } } },
  { kind: 'markdown', text: '# Cafes\n\n*41* in Yeoksam-dong' },
  { kind: 'json', value: { cafes: [1, 2, { nested: true }], note: null } },
  { kind: 'text', text: 'loaded 41 cafes\n' },
];

function problem(value: unknown): string {
  const parsed = recordedDisplaySchema.safeParse(value);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('the display schema', () => {
  it('reads every kind a cell can display, as written', () => {
    for (const display of EACH_KIND) expect(recordedDisplaySchema.parse(display)).toEqual(display);
    expect(recordedDisplaySchema.parse(table)).toEqual(table);
    expect(recordedDisplaySchema.parse({ kind: 'json', value: null })).toEqual({ kind: 'json', value: null });
  });

  it('refuses what is not a display', () => {
    expect(problem({ kind: 'html', text: '<script>alert(1)</script>' })).toMatch(/^kind/);
    expect(problem({ text: 'no kind' })).toMatch(/^kind/);
    expect(problem('just a string')).toMatch(/expected object/);
    expect(problem({ kind: 'table', columns: ['a', 'b'], rows: [[1]] })).toBe('rows.0: has 1 cells for 2 columns');
    expect(problem({ ...table, shape: [1, 2] })).toBe('shape: is smaller than the rows and columns given');
    expect(problem({ kind: 'table', columns: ['a'], rows: Array.from({ length: 101 }, (_, i) => [i]) })).toMatch(
      /^rows: .*100/,
    );
    expect(problem({ kind: 'table', columns: 'a,b', rows: [] })).toMatch(/^columns/);
    expect(problem({ kind: 'image', file: '../../etc/passwd' })).toBe(
      "file: must be a path inside the cell's output folder",
    );
    expect(problem({ kind: 'image', file: '/tmp/x.png' })).toMatch(/^file: must be a path inside/);
    expect(problem({ kind: 'image', file: 'x.png', width: -3 })).toMatch(/^width/);
    expect(problem({ kind: 'vega-lite', spec: 'https://example.com/chart.json' })).toMatch(/^spec/);
    expect(problem({ kind: 'markdown', text: 42 })).toMatch(/^text/);
    expect(problem({ kind: 'json' })).toMatch(/^value/);
    expect(problem({ kind: 'json', value: () => 1 })).toMatch(/^value/);
  });

  it('shows an image with the URL of its file, or none when the file was not kept', () => {
    const image = { kind: 'image', file: 'displays/3.png', url: '/api/artifacts/0196-x' };
    expect(displaySchema.parse(image)).toEqual(image);
    expect(displaySchema.parse({ ...image, url: null })).toEqual({ ...image, url: null });
    expect(displaySchema.safeParse({ kind: 'image', file: 'displays/3.png' }).success).toBe(false);
    expect(DISPLAY_TABLE_MAX_ROWS).toBe(100);
  });
});

describe('stored displays', () => {
  it('keeps the readable ones in order and says which one could not be read', () => {
    const read = readRecordedDisplays([EACH_KIND[5], { kind: 'video', file: 'a.mp4' }, EACH_KIND[3]]);
    expect(read.map((d) => d.kind)).toEqual(['text', 'text', 'markdown']);
    expect(read[1]).toEqual({ kind: 'text', text: expect.stringMatching(/^\[display 2 could not be read \(kind\)/) });
    expect(readRecordedDisplays(null)).toEqual([]);
    expect(readRecordedDisplays({ kind: 'text', text: 'not a list' })).toEqual([
      { kind: 'text', text: '[the stored displays are not a list]' },
    ]);
  });

  it("names an image's file the way the step's files are named", () => {
    expect(outputPath('./displays//3.png')).toBe('displays/3.png');
    expect(outputPath('plot.png')).toBe('plot.png');
  });
});

describe("a table's size", () => {
  const shown = (shape?: [number, number]): TableDisplay => ({
    kind: 'table',
    columns: ['dong', 'cafes'],
    rows: [['a', 1]],
    ...(shape ? { shape } : {}),
  });
  it('is the true shape, saying when only the first rows or columns are shown', () => {
    expect(tableShapeText(shown())).toBe('1 row × 2 columns');
    expect(tableShapeText(shown([1, 2]))).toBe('1 row × 2 columns');
    expect(tableShapeText(shown([12_345, 2]))).toBe('12,345 rows × 2 columns · the first 1 row shown');
    expect(tableShapeText(shown([5, 9]))).toBe('5 rows × 9 columns · the first 1 row shown, the first 2 columns shown');
  });
});
