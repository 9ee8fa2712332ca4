// Read models of pipelines for the portal and the API.
import type { PipelineSpec } from '~/common/pipeline-spec';
import type { RunStatus } from '~/common/statuses';
import type { Db } from '~/server/db';

export interface PipelineListEntry {
  slug: string;
  name: string;
  description: string;
  tags: string[];
  latestVersion: number;
  disabled: boolean;
  recentRuns: { id: string; status: RunStatus; createdAt: Date }[];
}

export async function listPipelines(db: Db): Promise<PipelineListEntry[]> {
  const pipelines = await db.pipeline.findMany({
    where: { deletedAt: null },
    orderBy: { slug: 'asc' },
    include: {
      versions: { orderBy: { version: 'desc' }, take: 1, select: { spec: true } },
      runs: { orderBy: { createdAt: 'desc' }, take: 10, select: { id: true, status: true, createdAt: true } },
    },
  });
  return pipelines.map((p) => ({
    slug: p.slug,
    name: p.name,
    description: p.description,
    tags: ((p.versions[0]?.spec as PipelineSpec | undefined)?.tags ?? []) as string[],
    latestVersion: p.latestVersion,
    disabled: p.disabledAt !== null,
    recentRuns: p.runs,
  }));
}
