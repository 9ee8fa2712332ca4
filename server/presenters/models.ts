// Read models of the model registry: the list, and one model with versions, aliases, their history, and the
// runs that used each version.
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';

export async function listModels(db: Db) {
  const models = await db.model.findMany({
    orderBy: { name: 'asc' },
    include: {
      aliases: { include: { version: { select: { version: true } } } },
      _count: { select: { versions: true } },
    },
  });
  return models.map((m) => ({
    name: m.name,
    task: m.task,
    description: m.description,
    versions: m._count.versions,
    aliases: Object.fromEntries(m.aliases.map((a) => [a.name, a.version.version])),
  }));
}

export async function getModel(db: Db, name: string) {
  const model = await db.model.findUnique({
    where: { name },
    include: {
      versions: { orderBy: { version: 'desc' } },
      aliases: { include: { version: { select: { version: true } } } },
      aliasEvents: { orderBy: { createdAt: 'desc' }, take: 100 },
    },
  });
  if (!model) throw AppError.notFound(`model ${name}`);
  // runs record the versions their steps resolved to
  const runs = await db.$queryRaw<{ id: string; version: number; createdAt: Date; slug: string }[]>`
    SELECT r.id, (m.value->>'version')::int AS version, r."createdAt", p.slug
    FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId", jsonb_each(r.models) m
    WHERE m.value->>'name' = ${name}
    ORDER BY r."createdAt" DESC LIMIT 200`;
  return {
    name: model.name,
    task: model.task,
    description: model.description,
    aliases: Object.fromEntries(model.aliases.map((a) => [a.name, a.version.version])),
    aliasHistory: model.aliasEvents.map((e) => ({
      alias: e.alias,
      from: e.fromVersion,
      to: e.toVersion,
      actor: e.actor,
      note: e.note,
      at: e.createdAt,
    })),
    versions: model.versions.map((v) => ({
      version: v.version,
      artifactUri: v.artifactUri,
      framework: v.framework,
      runtime: v.runtime,
      gpuMemoryMb: v.gpuMemoryMb,
      metrics: v.metrics,
      inputSchema: v.inputSchema,
      outputSchema: v.outputSchema,
      producedByRunId: v.producedByRunId,
      createdAt: v.createdAt,
      usedBy: runs
        .filter((r) => r.version === v.version)
        .map((r) => ({ runId: r.id, pipeline: r.slug, at: r.createdAt })),
    })),
  };
}
