// Every line of the programs' source stays within 120 characters: Biome wraps code, but not strings and comments.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const MAX_WIDTH = 120;

// the .ts/.tsx/.mjs/.py files git tracks, but not the recorded workflow histories
const files = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.mjs', '*.py'], { encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && !f.startsWith('test/fixtures/histories/'));

it('keeps every line of the tracked source within 120 characters', () => {
  expect(files.length).toBeGreaterThan(0);
  const tooLong: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const width = [...line.replace(/\r$/, '')].length;
        if (width > MAX_WIDTH) tooLong.push(`${file}:${i + 1} (${width} characters)`);
      });
  }
  expect(tooLong).toEqual([]);
});
