// Workflow code must stay deterministic and free of I/O: it may import only the workflow SDK, common/ and
// other workflow files (activity contracts as types only).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const DIR = path.resolve('workflows');

it('workflows import nothing that does I/O', () => {
  const offenders: string[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(DIR, file), 'utf8');
    for (const m of source.matchAll(/^import\s+(type\s+)?[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
      const allowed =
        spec === '@temporalio/workflow' ||
        spec.startsWith('../common/') ||
        spec.startsWith('./') ||
        (typeOnly && spec.startsWith('../workers/activities/contract'));
      if (!allowed) offenders.push(`${file}: ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});
