// The brewline command line.
//   brewline pipeline validate <file.ts|file.json>   check a spec: every problem, with its path
//   brewline pipeline push <file.ts|file.json>       register it (a new version when it changed)
//   brewline item ready <runId> <itemKey>            wake an item waiting on a sensor
// push talks to the API (BREWLINE_URL, default http://localhost:3000, and BREWLINE_TOKEN); without a token
// but with DATABASE_URL it writes to that database directly and syncs the schedules to Temporal (TEMPORAL_ADDRESS
// and the rest of the server's configuration), as the API does: an operator on the database host.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pipelineSpecProblems } from '~/common/pipeline-spec';
import { createBrewlineClient, describeError } from '~/client';

const USAGE = 'usage: brewline pipeline validate|push <file>\n       brewline item ready <runId> <itemKey>';

async function loadSpec(file: string): Promise<unknown> {
  const full = path.resolve(file);
  if (full.endsWith('.json')) return JSON.parse(await readFile(full, 'utf8'));
  const mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  const spec = mod.default ?? Object.values(mod).find((v) => v && typeof v === 'object' && 'steps' in v);
  if (!spec) throw new Error(`${file} exports no pipeline spec (export default or an object with steps)`);
  return spec;
}

async function main(argv: string[]): Promise<number> {
  const [noun, verb, file] = argv;
  if (noun === 'item' && verb === 'ready' && argv[2] && argv[3]) {
    const client = createBrewlineClient({
      url: process.env.BREWLINE_URL ?? 'http://localhost:3000',
      token: process.env.BREWLINE_TOKEN,
    });
    const { delivered } = await client.runs.signalItem.mutate({ runId: argv[2], itemKey: argv[3] });
    console.log(delivered ? `${argv[3]}: woken` : `${argv[3]}: not started yet; it will check when it starts`);
    return 0;
  }
  if (noun !== 'pipeline' || !file || (verb !== 'validate' && verb !== 'push')) {
    console.error(USAGE);
    return 2;
  }
  const spec = await loadSpec(file);
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
    const client = createBrewlineClient({
      url: process.env.BREWLINE_URL ?? 'http://localhost:3000',
      token: process.env.BREWLINE_TOKEN,
    });
    result = await client.pipelines.push.mutate({ spec });
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(describeError(err));
    process.exit(1);
  },
);
