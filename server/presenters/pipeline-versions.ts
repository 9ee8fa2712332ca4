// Versions of a pipeline, one version's spec, and the diff between two versions.
import type { PipelineSpec } from '~/common/pipeline-spec';
import { diffJson, type Change } from '~/common/spec-diff';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';

async function pipelineBySlug(db: Db, slug: string) {
  const pipeline = await db.pipeline.findUnique({ where: { slug } });
  if (!pipeline) throw AppError.notFound(`pipeline "${slug}"`);
  return pipeline;
}

export async function listPipelineVersions(db: Db, slug: string) {
  const pipeline = await pipelineBySlug(db, slug);
  const versions = await db.pipelineVersion.findMany({
    where: { pipelineId: pipeline.id },
    orderBy: { version: 'desc' },
    select: { version: true, specHash: true, createdAt: true, _count: { select: { runs: true } } },
  });
  return versions.map((v) => ({
    version: v.version,
    specHash: v.specHash,
    createdAt: v.createdAt,
    runs: v._count.runs,
  }));
}

export async function getPipelineVersion(db: Db, slug: string, version?: number) {
  const pipeline = await pipelineBySlug(db, slug);
  const v = version ?? pipeline.latestVersion;
  const row = await db.pipelineVersion.findUnique({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: v } },
  });
  if (!row) throw AppError.notFound(`version ${v} of pipeline "${slug}"`);
  return {
    slug,
    name: pipeline.name,
    version: row.version,
    latestVersion: pipeline.latestVersion,
    createdAt: row.createdAt,
    spec: row.spec as unknown as PipelineSpec,
  };
}

export async function diffPipelineVersions(
  db: Db,
  slug: string,
  from: number,
  to: number,
): Promise<{ from: number; to: number; changes: Change[] }> {
  const [a, b] = await Promise.all([getPipelineVersion(db, slug, from), getPipelineVersion(db, slug, to)]);
  return { from, to, changes: diffJson(a.spec, b.spec) };
}
