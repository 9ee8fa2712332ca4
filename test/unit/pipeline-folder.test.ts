// A pipeline folder: the CLI reads the cells' files a spec names (codeFile, markdownFile) and sends them inline;
// a path that leaves the folder is refused.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineSpecProblems } from '~/common/pipeline-spec';
import { loadPipeline } from '~/cli/pipeline-folder';

async function folder(spec: object): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipeline-folder-'));
  await mkdir(path.join(dir, 'cells'));
  await writeFile(path.join(dir, 'cells', 'count.py'), 'from brewline import item\nprint(item)\n');
  await writeFile(path.join(dir, 'cells', 'intro.md'), '# Counting\n');
  await writeFile(path.join(dir, 'pipeline.json'), JSON.stringify(spec));
  return dir;
}

const spec = (steps: object[]) => ({
  slug: 'folder-demo',
  name: 'Folder demo',
  items: { source: 'param', param: 'items' },
  params: { items: { type: 'string[]', default: ['a'] } },
  steps,
});

describe('pipeline folders', () => {
  it("reads each cell's file into the spec, which is then valid", async () => {
    const dir = await folder(
      spec([
        { id: 'intro', kind: 'markdown', markdownFile: 'cells/intro.md' },
        { id: 'count', kind: 'python', codeFile: 'cells/count.py' },
      ]),
    );
    const loaded = (await loadPipeline(dir)) as { steps: Record<string, unknown>[] };
    expect(loaded.steps).toEqual([
      { id: 'intro', kind: 'markdown', markdown: '# Counting\n' },
      { id: 'count', kind: 'python', code: 'from brewline import item\nprint(item)\n' },
    ]);
    expect(pipelineSpecProblems(loaded)).toEqual([]);
  });

  it('refuses a file outside the folder, a missing one, and code named twice', async () => {
    for (const [step, message] of [
      [{ id: 'x', kind: 'python', codeFile: '../secret.py' }, /inside the pipeline's folder/],
      [{ id: 'x', kind: 'python', codeFile: '/etc/passwd' }, /inside the pipeline's folder/],
      [{ id: 'x', kind: 'python', codeFile: 'cells/none.py' }, /cannot read cells\/none.py \(ENOENT\)/],
      [{ id: 'x', kind: 'python', codeFile: 'cells/count.py', code: 'print(1)' }, /both codeFile and code/],
    ] as const)
      await expect(loadPipeline(await folder(spec([step])))).rejects.toThrow(message);
  });
});
