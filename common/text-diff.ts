// Line diffs of a cell's code or text (what Save shows): the shortest edit script between two texts' lines
// (Myers' algorithm, which finds a longest common subsequence), shown as hunks with a few lines of context.

export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** Unchanged lines left out between two hunks. */
export interface SkippedLines {
  kind: 'skipped';
  count: number;
}

export interface LineDiff {
  added: number;
  removed: number;
  /** The changed lines with `context` unchanged lines around each change; the rest is skipped. */
  lines: (DiffLine | SkippedLines)[];
}

/** A texts' lines; a final newline ends the last line rather than starting an empty one. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Every line of both texts, in order, each kept, added or removed. Past `maxEdits` changed lines (after the common
 * start and end are set aside) the middle is shown as all removed, then all added: the search's memory grows with
 * the square of the edits, and such a diff is read as "rewritten" anyway.
 */
export function diffLines(before: string, after: string, maxEdits = 2_000): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const same = (lines: string[]): DiffLine[] => lines.map((text) => ({ kind: 'same', text }));
  const middle = editScript(a.slice(start, a.length - end), b.slice(start, b.length - end), maxEdits);
  return [...same(a.slice(0, start)), ...middle, ...same(a.slice(a.length - end))];
}

/** Myers' greedy search for the shortest edit script, then a walk back through the saved frontiers. */
function editScript(a: string[], b: string[], maxEdits: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const rewritten = (): DiffLine[] => [
    ...a.map((text): DiffLine => ({ kind: 'removed', text })),
    ...b.map((text): DiffLine => ({ kind: 'added', text })),
  ];
  if (n === 0 || m === 0) return rewritten();
  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  // v[offset + k]: the furthest x reached on diagonal k (y = x - k)
  const v = new Int32Array(2 * limit + 3);
  // the frontier before each round d, diagonals -d-1..d+1 (all the walk back reads)
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
      let x = down ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return walkBack(a, b, trace);
    }
  }
  return rewritten();
}

function walkBack(a: string[], b: string[], trace: Int32Array[]): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d]!;
    const at = (k: number) => frontier[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ kind: 'same', text: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) out.push({ kind: 'added', text: b[--y]! });
      else out.push({ kind: 'removed', text: a[--x]! });
    }
  }
  return out.reverse();
}

/** The diff as hunks: each change with `context` unchanged lines either side; longer unchanged runs skipped. */
export function lineDiff(before: string, after: string, context = 3): LineDiff {
  const all = diffLines(before, after);
  const keep = all.map(() => false);
  all.forEach((line, i) => {
    if (line.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(all.length - 1, i + context); j++) keep[j] = true;
  });
  const lines: (DiffLine | SkippedLines)[] = [];
  let skipped = 0;
  all.forEach((line, i) => {
    if (!keep[i]) {
      skipped++;
      return;
    }
    if (skipped) lines.push({ kind: 'skipped', count: skipped });
    skipped = 0;
    lines.push(line);
  });
  if (skipped && lines.length) lines.push({ kind: 'skipped', count: skipped });
  return {
    added: all.filter((l) => l.kind === 'added').length,
    removed: all.filter((l) => l.kind === 'removed').length,
    lines,
  };
}
