// The workflow code bundle: prebuilt (BREWLINE_WORKFLOW_BUNDLE) or bundled at worker start.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export const WORKFLOWS_PATH = path.resolve(
  path.dirname(createRequire(import.meta.url).resolve('../workflows/index.ts')),
  'index.ts',
);

export async function buildWorkflowBundle(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

export async function writeWorkflowBundle(file: string): Promise<void> {
  const { code } = await buildWorkflowBundle();
  await writeFile(file, code);
}

/** The bundle in `file` (BREWLINE_WORKFLOW_BUNDLE, through the configuration), else one built now. */
export async function loadWorkflowBundle(file?: string): Promise<{ code: string }> {
  if (file) return { code: await readFile(file, 'utf8') };
  return buildWorkflowBundle();
}
