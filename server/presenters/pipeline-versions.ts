// Versions of a pipeline, one version's spec, and the diff between two versions.
import type { PipelineSpec } from '~/common/pipeline-spec';
import { diffJson, type Change } from '~/common/spec-diff';
import { hasRole, type Role } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { withCellCode } from '~/server/services/pipelines/cell-sources';

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

/** Who reads a spec: below the editor role, addresses written into it (alert URLs) show only their origin. */
export interface SpecReader {
  role: Role;
}

/** A Slack incoming-webhook URL is its own credential: readers who cannot edit see where it goes, not the URL. */
function redacted(spec: PipelineSpec, reader: SpecReader | undefined): PipelineSpec {
  if (!reader || hasRole(reader, 'editor') || !spec.alerts?.some((a) => a.url)) return spec;
  return { ...spec, alerts: spec.alerts.map((a) => (a.url ? { ...a, url: originOf(a.url) } : a)) };
}

function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}

export async function getPipelineVersion(db: Db, slug: string, version?: number, reader?: SpecReader) {
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
    // code cells' code inline, as a person reads it (the version keeps it by hash)
    spec: redacted(await withCellCode(db, row.spec as unknown as PipelineSpec), reader),
  };
}

export async function diffPipelineVersions(
  db: Db,
  slug: string,
  from: number,
  to: number,
  reader?: SpecReader,
): Promise<{ from: number; to: number; changes: Change[] }> {
  const [a, b] = await Promise.all([
    getPipelineVersion(db, slug, from, reader),
    getPipelineVersion(db, slug, to, reader),
  ]);
  return { from, to, changes: diffJson(a.spec, b.spec) };
}
