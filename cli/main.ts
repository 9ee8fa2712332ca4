// The brewline command line.
//   brewline pipeline validate <file.ts|file.json|folder>   check a spec: every problem, with its path
//   brewline pipeline push <file.ts|file.json|folder>       register it (a new version when it changed)
// A folder holds pipeline.ts (or .json) and its cells' files, which steps name with codeFile (pipeline-folder.ts).
//   brewline notebook import <file.ipynb> --slug <slug> [--name <name>]
//                                                    a Jupyter notebook as the pipeline's new version
//   brewline notebook export <slug> [--version <n>] [--run <runId> [--item <itemKey>]] [-o <file.ipynb>]
//                                                    a version as a notebook, with the outputs of an item of a run
//   brewline item ready <runId> <itemKey>            wake an item waiting on a sensor
//   brewline models register <folder> --name <name> --task <task> [--weights <uri>] [--gpu-memory-mb <n>]
//       [--entrypoint model.py:Model] [--alias <alias>]... [--framework <label>] [--description <text>]
//                                                    a model folder's code (model-folder.ts) as a new version
// push talks to the API (BREWLINE_URL, default http://localhost:3000, and BREWLINE_TOKEN); without a token
// but with DATABASE_URL it writes to that database directly and syncs the schedules to Temporal (TEMPORAL_ADDRESS
// and the rest of the server's configuration), as the API does: an operator on the database host. models register
// does the same (the API, or the database directly). The notebook and item commands always talk to the API.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { pipelineFromNotebook } from '~/common/notebook/ipynb';
import { notebookPathText } from '~/common/notebook/nbformat';
import { pipelineSpecProblems } from '~/common/pipeline-spec';
import { createBrewlineClient, describeError } from '~/client';
import { registerModelVersionInput } from '~/server/services/models/models';
import { ModelFolderError, modelVersionFromFolder } from './model-folder';
import { loadPipeline } from './pipeline-folder';

const USAGE = [
  'usage: brewline pipeline validate|push <file>',
  '       brewline notebook import <file.ipynb> --slug <slug> [--name <name>]',
  '       brewline notebook export <slug> [--version <n>] [--run <runId> [--item <itemKey>]] [-o <file.ipynb>]',
  '       brewline item ready <runId> <itemKey>',
  '       brewline models register <folder> --name <name> --task <task> [--weights <uri>] [--gpu-memory-mb <n>]',
  '           [--entrypoint model.py:Model] [--alias <alias>]... [--framework <label>] [--description <text>]',
].join('\n');

const apiClient = () =>
  createBrewlineClient({ url: process.env.BREWLINE_URL ?? 'http://localhost:3000', token: process.env.BREWLINE_TOKEN });

async function main(argv: string[]): Promise<number> {
  const [noun, verb, file] = argv;
  if (noun === 'notebook') return notebookCommand(verb, argv.slice(2));
  if (noun === 'models' || noun === 'model') return modelsCommand(verb, argv.slice(2));
  if (noun === 'item' && verb === 'ready' && argv[2] && argv[3]) {
    const { delivered } = await apiClient().runs.signalItem.mutate({ runId: argv[2], itemKey: argv[3] });
    console.log(delivered ? `${argv[3]}: woken` : `${argv[3]}: not started yet; it will check when it starts`);
    return 0;
  }
  if (noun !== 'pipeline' || !file || (verb !== 'validate' && verb !== 'push')) {
    console.error(USAGE);
    return 2;
  }
  const spec = await loadPipeline(file);
  const problems = pipelineSpecProblems(spec);
  if (problems.length) {
    console.error(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
    for (const p of problems) console.error(`  ${p.path.join('.') || '(spec)'}: ${p.message}`);
    return 1;
  }
  if (verb === 'validate') {
    console.log(`${file}: valid`);
    return 0;
  }
  let result: { slug: string; version: number; created: boolean };
  if (process.env.BREWLINE_TOKEN || !process.env.DATABASE_URL) {
    result = await apiClient().pipelines.push.mutate({ spec });
  } else {
    const [{ createDb }, { loadConfig }, { createTemporalClient }, { pushPipeline }] = await Promise.all([
      import('~/server/db'),
      import('~/server/env'),
      import('~/server/temporal/client'),
      import('~/server/services/pipelines/register-pipeline'),
    ]);
    const config = loadConfig();
    const db = createDb(config.databaseUrl);
    let client: ReturnType<typeof createTemporalClient> | undefined;
    const temporal = () => (client ??= createTemporalClient(config.temporal));
    try {
      // the same push as the API's: the new version, then its schedules on Temporal
      result = await pushPipeline({ db, temporal, config }, spec);
    } finally {
      await db.$disconnect();
      await client?.then(
        (c) => c.connection.close(),
        () => undefined,
      );
    }
  }
  console.log(`${result.slug}: version ${result.version}${result.created ? ' (new)' : ' (unchanged)'}`);
  return 0;
}

const NOTEBOOK_OPTIONS = {
  slug: { type: 'string' },
  name: { type: 'string' },
  version: { type: 'string' },
  run: { type: 'string' },
  item: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

async function notebookCommand(verb: string | undefined, args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof NOTEBOOK_OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: NOTEBOOK_OPTIONS, allowPositionals: true });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [target, ...extra] = positionals;
  if (verb === 'import' && target && values.slug && !extra.length) return importNotebook(target, values);
  const version = values.version === undefined ? undefined : Number(values.version);
  const usable = version === undefined || (Number.isInteger(version) && version >= 1);
  if (verb === 'export' && target && !extra.length && usable && (values.item === undefined || values.run))
    return exportNotebook(target, { version, runId: values.run, itemKey: values.item, output: values.output });
  console.error(USAGE);
  return 2;
}

/** A notebook's outputs and attachments stay behind: the pipeline keeps cells' code and text, not what they showed. */
function withoutOutputs(notebook: unknown): unknown {
  if (!notebook || typeof notebook !== 'object' || !Array.isArray((notebook as { cells?: unknown }).cells))
    return notebook;
  const cells = (notebook as { cells: unknown[] }).cells.map((cell) => {
    if (!cell || typeof cell !== 'object') return cell;
    const { attachments: _attachments, ...rest } = cell as Record<string, unknown>;
    return rest.cell_type === 'code' ? { ...rest, outputs: [], execution_count: null } : rest;
  });
  return { ...notebook, cells };
}

async function importNotebook(file: string, options: { slug?: string; name?: string }): Promise<number> {
  let notebook: unknown;
  try {
    notebook = withoutOutputs(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    console.error(`${file}: not a notebook (not JSON: ${err.message})`);
    return 1;
  }
  const slug = options.slug!;
  // the server checks again (with its own limits): this names each problem's cell before anything is sent
  const { problems } = pipelineFromNotebook(notebook, { slug, name: options.name });
  if (problems.length) {
    console.error(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
    for (const p of problems) console.error(`  ${notebookPathText(p.path) || '(notebook)'}: ${p.message}`);
    return 1;
  }
  const result = await apiClient().notebooks.import.mutate({ notebook, slug, name: options.name });
  console.log(`${result.slug}: version ${result.version}${result.created ? ' (new)' : ' (unchanged)'}`);
  return 0;
}

async function exportNotebook(
  slug: string,
  options: { version?: number; runId?: string; itemKey?: string; output?: string },
): Promise<number> {
  const { output, ...input } = options;
  const notebook = await apiClient().notebooks.export.query({ slug, ...input });
  // as Jupyter writes it: one space of indent, a final newline
  const text = `${JSON.stringify(notebook, null, 1)}\n`;
  if (!output) {
    process.stdout.write(text);
    return 0;
  }
  await writeFile(output, text);
  const notes = notebook.metadata.brewline as { version?: number; run?: string; item?: string };
  const outputs = notes.run ? `, outputs of run ${notes.run}${notes.item ? ` item ${notes.item}` : ''}` : '';
  console.log(`${output}: ${slug} version ${notes.version}, ${notebook.cells.length} cells${outputs}`);
  return 0;
}

const MODEL_OPTIONS = {
  name: { type: 'string' },
  task: { type: 'string' },
  weights: { type: 'string' },
  'gpu-memory-mb': { type: 'string' },
  entrypoint: { type: 'string' },
  alias: { type: 'string', multiple: true },
  framework: { type: 'string' },
  description: { type: 'string' },
} as const;

async function modelsCommand(verb: string | undefined, args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof MODEL_OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: MODEL_OPTIONS, allowPositionals: true });
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const gpuMemoryMb = values['gpu-memory-mb'] === undefined ? undefined : Number(values['gpu-memory-mb']);
  if (
    verb !== 'register' ||
    positionals.length !== 1 ||
    !values.name ||
    !values.task ||
    (gpuMemoryMb !== undefined && !Number.isInteger(gpuMemoryMb))
  ) {
    console.error(USAGE);
    return 2;
  }
  const folder = positionals[0]!;
  let input: Awaited<ReturnType<typeof modelVersionFromFolder>>;
  try {
    input = await modelVersionFromFolder(folder, {
      name: values.name,
      task: values.task,
      weights: values.weights,
      gpuMemoryMb,
      entrypoint: values.entrypoint,
      aliases: values.alias,
      framework: values.framework,
      description: values.description,
    });
  } catch (err) {
    if (!(err instanceof ModelFolderError)) throw err;
    console.error(err.message);
    return 1;
  }
  // the server checks again: this names every problem before the code is sent
  const checked = registerModelVersionInput.safeParse(input);
  if (!checked.success) {
    const issues = checked.error.issues;
    console.error(`${folder}: ${issues.length} problem${issues.length > 1 ? 's' : ''}`);
    for (const issue of issues) {
      // a file name the API refuses: say why, not only that the key is invalid
      const why = issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : issue.message;
      console.error(`  ${issue.path.join('.') || '(version)'}: ${why}`);
    }
    return 1;
  }
  let result: { name: string; version: number };
  if (process.env.BREWLINE_TOKEN || !process.env.DATABASE_URL) {
    result = await apiClient().models.registerVersion.mutate(input);
  } else {
    // an operator on the database host: the same service as the API's, recorded as the machine's user
    const [{ createDb }, { loadConfig }, { registerModelVersion }] = await Promise.all([
      import('~/server/db'),
      import('~/server/env'),
      import('~/server/services/models/models'),
    ]);
    const db = createDb(loadConfig().databaseUrl);
    try {
      result = await registerModelVersion(db, `cli:${os.userInfo().username}`, input);
    } finally {
      await db.$disconnect();
    }
  }
  const files = Object.keys(input.code!.files).length;
  const requirements = input.requirements?.length ?? 0;
  const aliases = input.aliases?.length ? `; ${input.aliases.join(', ')} → v${result.version}` : '';
  console.log(
    `${result.name}: version ${result.version} (${files} file${files === 1 ? '' : 's'}, ` +
      `${requirements} requirement${requirements === 1 ? '' : 's'}, weights ${input.artifactUri})${aliases}`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(describeError(err));
    process.exit(1);
  },
);
