// Registers a pipeline spec: a new immutable version when the spec changed, the current one when it did not.
// pushPipeline (the API's push, the CLI's, schedule edits) also brings the pipeline's schedules to Temporal;
// registerPipeline alone stores them for the workers to reconcile at start (setup, seeds, benchmarks).
import { createHash } from 'node:crypto';
import { pipelineSpecProblems, pipelineSpecSchema, type PipelineSpec, type SpecLimits } from '~/common/pipeline-spec';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { grantProblems } from '~/server/services/secrets/grants';
import { replacePipelineSchedules, syncPipelineSchedules } from '~/server/services/schedules/schedules';
import type { ScheduleDeps } from '~/server/services/schedules/temporal-schedules';
import { storeCellSources } from './cell-sources';

export interface RegisteredVersion {
  pipelineId: string;
  slug: string;
  version: number;
  created: boolean;
  /** Temporal Schedules of schedules this version dropped: syncPipelineSchedules removes them. */
  removedTemporalSchedules: string[];
}

/** Every problem of a spec at once, each with its path; throws AppError BAD_REQUEST. */
export function parsePipelineSpec(input: unknown, limits: SpecLimits = {}): PipelineSpec {
  const problems = pipelineSpecProblems(input, limits);
  if (problems.length) throw AppError.badRequest('The pipeline spec is invalid', problems);
  return pipelineSpecSchema.parse(input);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** `limits` are the server's (its minimum schedule interval); seeds and tests register with the defaults. */
export async function registerPipeline(db: Db, input: unknown, limits: SpecLimits = {}): Promise<RegisteredVersion> {
  const parsed = parsePipelineSpec(input, limits);
  const ungranted = await grantProblems(db, parsed);
  if (ungranted.length) throw AppError.badRequest('The pipeline names secrets or connections it cannot use', ungranted);
  return db.$transaction(async (tx) => {
    // code cells keep their code once, by hash: the stored spec (and its hash) names it
    const spec = await storeCellSources(tx, parsed);
    const specHash = createHash('sha256').update(canonicalJson(spec)).digest('hex');
    const pipeline = await tx.pipeline.upsert({
      where: { slug: spec.slug },
      create: { slug: spec.slug, name: spec.name, description: spec.description },
      // pushing a deleted pipeline's spec brings it back
      update: { deletedAt: null },
    });
    // serialise concurrent registrations of one pipeline
    await tx.$executeRaw`SELECT 1 FROM "Pipeline" WHERE id = ${pipeline.id} FOR UPDATE`;
    const latest = await tx.pipelineVersion.findFirst({
      where: { pipelineId: pipeline.id },
      orderBy: { version: 'desc' },
    });
    if (latest?.specHash === specHash)
      return {
        pipelineId: pipeline.id,
        slug: spec.slug,
        version: latest.version,
        created: false,
        removedTemporalSchedules: [],
      };
    const version = (latest?.version ?? 0) + 1;
    await tx.pipelineVersion.create({ data: { pipelineId: pipeline.id, version, spec: spec as object, specHash } });
    await tx.pipeline.update({
      where: { id: pipeline.id },
      data: { name: spec.name, description: spec.description, latestVersion: version },
    });
    const { removedTemporalIds } = await replacePipelineSchedules(tx, pipeline, spec.schedules);
    return {
      pipelineId: pipeline.id,
      slug: spec.slug,
      version,
      created: true,
      removedTemporalSchedules: removedTemporalIds,
    };
  });
}

/**
 * Registers the spec, then makes Temporal's schedules agree with the pipeline's (also when the spec was unchanged:
 * a push leaves Temporal right whatever came before). The database is written first; if Temporal fails, the
 * version stays and the workers' reconciliation at start brings the schedules.
 */
export async function pushPipeline(deps: ScheduleDeps, input: unknown): Promise<RegisteredVersion> {
  const registered = await registerPipeline(deps.db, input, { minScheduleIntervalS: deps.config.minScheduleIntervalS });
  await syncPipelineSchedules(deps, registered.pipelineId, registered.removedTemporalSchedules);
  return registered;
}
