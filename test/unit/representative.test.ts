// Picking representative images from their embeddings: the picks cover the set's different looks, and the same
// vectors always give the same picks.
import { describe, expect, it } from 'vitest';
import { pickRepresentatives } from '~/pipelines/cafe/representative';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('pickRepresentatives', () => {
  // three looks (facade, interior, drinks): five near-copies of the facade, two of the interior, one drink
  const facade = [0, 1, 2, 3, 4].map((i) => unit([1, 0.02 * i, 0]));
  const interior = [0, 1].map((i) => unit([0, 1, 0.03 * i]));
  const drink = [unit([0.1, 0, 1])];
  const images = [...facade, ...interior, ...drink];

  it('covers every look before a second copy of any', () => {
    const picks = pickRepresentatives(images, 3).map((p) => p.index);
    expect(picks[0]).toBeLessThan(5); // the biggest group first, by its most central member
    expect(picks.slice(1).sort()).toEqual([5, 7].sort());
  });

  it('is deterministic, ties to the earlier image, and never picks more than there are', () => {
    expect(pickRepresentatives(images, 5)).toEqual(pickRepresentatives(images, 5));
    const same = [unit([1, 1]), unit([1, 1]), unit([1, 1])];
    expect(pickRepresentatives(same, 5).map((p) => p.index)).toEqual([0, 1, 2]);
    expect(pickRepresentatives([], 5)).toEqual([]);
  });

  it('reports how much each pick adds, the first the most', () => {
    const gains = pickRepresentatives(images, 4).map((p) => p.gain);
    expect(gains[0]).toBeGreaterThan(gains[1]!);
    expect(gains.every((g) => g >= 0 && g <= 1)).toBe(true);
  });
});
