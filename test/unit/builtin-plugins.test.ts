// Teams plug builtins into the workers through pipelines/<team>/builtins.ts; the platform imports no team's code.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipelineBuiltins } from '~/workers/activities/builtins/plugins';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function pipelinesDir(teams: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'builtin-plugins-'));
  dirs.push(dir);
  for (const [team, source] of Object.entries(teams)) {
    await mkdir(path.join(dir, team));
    await writeFile(path.join(dir, team, 'builtins.ts'), source);
  }
  return dir;
}

describe('pipeline builtins', () => {
  it("loads a team's builtins from pipelines/<team>/builtins.ts; a team without one adds none", async () => {
    const step = "export const builtins = { 'ranking.score': async () => ({ scored: 1 }) };\n";
    const builtins = await loadPipelineBuiltins(await pipelinesDir({ ranking: step }));
    expect(Object.keys(builtins)).toEqual(['ranking.score']);
    expect(await builtins['ranking.score']!({} as never)).toEqual({ scored: 1 });
    // the cafe sample's steps are Python cells now: it ships no builtins
    expect(Object.keys(await loadPipelineBuiltins()).filter((name) => name.startsWith('cafe.'))).toEqual([]);
  });

  it('refuses a builtin name two teams ship, and a builtins.ts that exports no builtins', async () => {
    const step = "export const builtins = { 'shared.step': async () => undefined };\n";
    await expect(loadPipelineBuiltins(await pipelinesDir({ a: step, b: step }))).rejects.toThrow(
      'builtin "shared.step" is shipped by both pipelines/a and pipelines/b',
    );
    await expect(loadPipelineBuiltins(await pipelinesDir({ c: 'export const steps = {};\n' }))).rejects.toThrow(
      'must export builtins',
    );
  });

  it('no platform code imports a pipeline (workers, server, common, workflows)', async () => {
    const offenders: string[] = [];
    for (const root of ['workers', 'server', 'common', 'workflows']) {
      const files = (await readdir(root, { recursive: true })).filter((f) => /\.(ts|tsx|mjs)$/.test(f));
      for (const file of files) {
        if (file.includes('generated')) continue;
        const source = await readFile(path.join(root, file), 'utf8');
        for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
          const spec = m[1] ?? m[2]!;
          const target = spec.startsWith('.') ? path.join(root, path.dirname(file), spec) : spec.replace(/^~\//, '');
          if (target.startsWith('pipelines/')) offenders.push(`${root}/${file}: ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("no pipeline imports the workers' code: a team builds on common/ and the API's procedures", async () => {
    const offenders: string[] = [];
    const files = (await readdir('pipelines', { recursive: true })).filter((f) => /\.(ts|tsx|mjs)$/.test(f));
    for (const file of files) {
      const source = await readFile(path.join('pipelines', file), 'utf8');
      for (const m of source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? m[2]!;
        const target = spec.startsWith('.')
          ? path.join('pipelines', path.dirname(file), spec)
          : spec.replace(/^~\//, '');
        if (target.startsWith('workers/')) offenders.push(`pipelines/${file}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
