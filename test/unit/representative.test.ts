// The representative-images cell's choice (pipelines/cafe/cells/representative_images.py, numpy): the picks cover
// a cafe's different looks, and the same vectors always give the same picks. The cell's file is imported, not run.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runnerPython } from '~/stack/runner-python';

type Pick = [index: number, gain: number];

/** pick_representatives(vectors, count) of the cell, for each case. */
function picks(cases: { vectors: number[][]; count: number }[]): Pick[][] {
  const program = [
    'import importlib.util, json, sys',
    'import numpy as np',
    "spec = importlib.util.spec_from_file_location('cell', 'pipelines/cafe/cells/representative_images.py')",
    'cell = importlib.util.module_from_spec(spec)',
    'spec.loader.exec_module(cell)',
    'cases = json.load(sys.stdin)',
    "print(json.dumps([cell.pick_representatives(np.array(c['vectors'], dtype=float), c['count']) for c in cases]))",
  ].join('\n');
  const out = execFileSync(runnerPython(process.cwd(), process.env.BREWLINE_PYTHON), ['-c', program], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.resolve('cells/python') },
  });
  return JSON.parse(out) as Pick[][];
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('the representative-images cell', () => {
  // three looks (facade, interior, drinks): five near-copies of the facade, two of the interior, one drink
  const facade = [0, 1, 2, 3, 4].map((i) => unit([1, 0.02 * i, 0]));
  const interior = [0, 1].map((i) => unit([0, 1, 0.03 * i]));
  const drink = [unit([0.1, 0, 1])];
  const images = [...facade, ...interior, ...drink];
  const same = [unit([1, 1]), unit([1, 1]), unit([1, 1])];

  it('covers every look before a second copy of any, reports what each pick adds, and is deterministic', () => {
    const [three, again, four, copies, none] = picks([
      { vectors: images, count: 3 },
      { vectors: images, count: 3 },
      { vectors: images, count: 4 },
      { vectors: same, count: 5 },
      { vectors: [], count: 5 },
    ]);
    const indices = three!.map(([index]) => index);
    expect(indices[0]).toBeLessThan(5); // the biggest group first, by its most central member
    expect(indices.slice(1).sort()).toEqual([5, 7]);
    expect(again).toEqual(three);
    const gains = four!.map(([, gain]) => gain);
    expect(gains[0]).toBeGreaterThan(gains[1]!);
    expect(gains.every((g) => g >= 0 && g <= 1)).toBe(true);
    // ties go to the earlier image, and never more picks than images
    expect(copies!.map(([index]) => index)).toEqual([0, 1, 2]);
    expect(none).toEqual([]);
  });
});
