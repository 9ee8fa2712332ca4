// Picking a cafe's representative images from their embeddings (pure; the step feeds it the model's vectors).

export interface Pick {
  /** index into the cafe's images */
  index: number;
  /** how much of the cafe's image set this image covers beyond those picked before it, 0..1 */
  gain: number;
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/**
 * The `count` images that best cover the whole set (greedy facility location on cosine similarity: each pick is
 * the medoid of the images it brings closest), so a cafe's picks show its different sides (facade, interior,
 * drinks) rather than five near-copies of one. Vectors are unit length. Deterministic: ties go to the earlier
 * image, and gains within 1e-9 count as ties.
 */
export function pickRepresentatives(vectors: readonly (readonly number[])[], count: number): Pick[] {
  const n = vectors.length;
  if (n === 0 || count <= 0) return [];
  const sim = vectors.map((a) => vectors.map((b) => dot(a, b)));
  // coverage: how close each image is to its nearest pick so far (-1: nothing picked yet)
  const cover = new Array<number>(n).fill(-1);
  const picked: Pick[] = [];
  const taken = new Set<number>();
  while (picked.length < Math.min(count, n)) {
    let best = -1;
    let bestGain = -Infinity;
    for (let c = 0; c < n; c++) {
      if (taken.has(c)) continue;
      let gain = 0;
      for (let j = 0; j < n; j++) gain += Math.max(0, sim[c]![j]! - cover[j]!);
      if (gain > bestGain + 1e-9) {
        best = c;
        bestGain = gain;
      }
    }
    taken.add(best);
    for (let j = 0; j < n; j++) cover[j] = Math.max(cover[j]!, sim[best]![j]!);
    picked.push({ index: best, gain: Math.round((bestGain / (2 * n)) * 1e6) / 1e6 });
  }
  return picked;
}
