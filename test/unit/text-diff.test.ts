import { describe, expect, it } from 'vitest';
import { diffLines, lineDiff, splitLines, type DiffLine } from '~/common/text-diff';

/** A diff as the lines a person reads: "+ added", "- removed", "  kept". */
const shown = (lines: DiffLine[]) =>
  lines.map((l) => `${l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' '} ${l.text}`);
/** What the diff says the text was, and what it became. */
const sides = (lines: DiffLine[]) => ({
  before: lines.filter((l) => l.kind !== 'added').map((l) => l.text),
  after: lines.filter((l) => l.kind !== 'removed').map((l) => l.text),
});

describe('line diff of a cell', () => {
  it('shows an edited line as removed then added, keeping the lines around it', () => {
    const before = 'import pandas as pd\ndf = pd.read_csv("cafes.csv")\nprint(df.head())\n';
    const after = 'import pandas as pd\ndf = pd.read_csv("cafes.csv", sep=";")\nprint(df.head())\n';
    expect(shown(diffLines(before, after))).toEqual([
      '  import pandas as pd',
      '- df = pd.read_csv("cafes.csv")',
      '+ df = pd.read_csv("cafes.csv", sep=";")',
      '  print(df.head())',
    ]);
  });

  it('finds the fewest changes when lines move and repeat (a longest common subsequence)', () => {
    const before = ['a', 'b', 'c', 'a', 'b', 'b', 'a'].join('\n');
    const after = ['c', 'b', 'a', 'b', 'a', 'c'].join('\n');
    const lines = diffLines(before, after);
    // Myers' classic example: 5 edits, 4 lines kept
    expect(lines.filter((l) => l.kind !== 'same')).toHaveLength(5);
    expect(lines.filter((l) => l.kind === 'same')).toHaveLength(4);
    expect(sides(lines)).toEqual({ before: splitLines(before), after: splitLines(after) });
  });

  it('reads a new cell as all added and a deleted one as all removed', () => {
    expect(shown(diffLines('', 'echo hi\nexit 0'))).toEqual(['+ echo hi', '+ exit 0']);
    expect(shown(diffLines('echo hi\n', ''))).toEqual(['- echo hi']);
    expect(diffLines('same\n', 'same')).toEqual([{ kind: 'same', text: 'same' }]);
  });

  it('keeps every line of both texts in order, whatever the edits', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 200; round++) {
      const text = () =>
        Array.from(
          { length: Math.floor(random() * 12) },
          () => ['x = 1', 'y = 2', 'print(x)', ''][Math.floor(random() * 4)],
        ).join('\n');
      const [before, after] = [text(), text()];
      const lines = diffLines(before, after);
      expect(sides(lines)).toEqual({ before: splitLines(before), after: splitLines(after) });
    }
  });

  it('shows a rewrite past the edit limit as removed then added, still complete', () => {
    const before = Array.from({ length: 50 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 50 }, (_, i) => `new ${i}`).join('\n');
    const lines = diffLines(`keep\n${before}\nend`, `keep\n${after}\nend`, 10);
    expect(lines[0]).toEqual({ kind: 'same', text: 'keep' });
    expect(lines.slice(1, 51).every((l) => l.kind === 'removed')).toBe(true);
    expect(lines.slice(51, 101).every((l) => l.kind === 'added')).toBe(true);
    expect(lines.at(-1)).toEqual({ kind: 'same', text: 'end' });
  });

  it('counts the added and removed lines and skips unchanged stretches beyond the context', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const diff = lineDiff(before, after, 2);
    expect(diff.added).toBe(1);
    expect(diff.removed).toBe(1);
    expect(diff.lines).toEqual([
      { kind: 'skipped', count: 8 },
      { kind: 'same', text: 'line 8' },
      { kind: 'same', text: 'line 9' },
      { kind: 'removed', text: 'line 10' },
      { kind: 'added', text: 'line ten' },
      { kind: 'same', text: 'line 11' },
      { kind: 'same', text: 'line 12' },
      { kind: 'skipped', count: 7 },
    ]);
    expect(lineDiff(before, before)).toEqual({ added: 0, removed: 0, lines: [] });
  });
});
