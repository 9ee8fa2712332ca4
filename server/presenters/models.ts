// Read models of the model registry: the list, and one model with versions (their code, requirements and sample
// outputs), aliases, their history, and the runs that used each version.
import type { Display } from '~/common/displays';
import { entrypointFiles } from '~/common/model-code';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { presentDisplays } from './displays';

/** Sample outputs shown per version: the newest attempts that used it. */
export const MODEL_SAMPLES_PER_VERSION = 5;
/** Runs looked at for a model's "used by" and its samples: the newest ones. */
const RECENT_RUNS = 200;

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

export interface ModelSample {
  runId: string;
  pipeline: string;
  step: string;
  item: string;
  attempt: number;
  at: Date | null;
  result: unknown;
  displays: Display[];
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
  // runs record the versions their steps resolved to: one row per step of a run that named this model
  const used = await db.$queryRaw<{ id: string; stepId: string; version: number; createdAt: Date; slug: string }[]>`
    SELECT r.id, m.key AS "stepId", (m.value->>'version')::int AS version, r."createdAt", p.slug
    FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId", jsonb_each(r.models) m
    WHERE m.value->>'name' = ${name}
    ORDER BY r."createdAt" DESC, r.id DESC LIMIT ${RECENT_RUNS}`;
  const [code, samples] = await Promise.all([codeTexts(db, model.versions), samplesOf(db, used)]);
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
    versions: model.versions.map((v) => {
      const files = Object.entries(v.codeFiles as Record<string, string>);
      const first = new Set(entrypointFiles(v.entrypoint));
      // the entrypoint's file first, then the rest by path
      files.sort(([a], [b]) => Number(first.has(b)) - Number(first.has(a)) || a.localeCompare(b));
      const runs = new Map<string, { runId: string; pipeline: string; at: Date }>();
      for (const r of used)
        if (r.version === v.version && !runs.has(r.id))
          runs.set(r.id, { runId: r.id, pipeline: r.slug, at: r.createdAt });
      return {
        version: v.version,
        artifactUri: v.artifactUri,
        framework: v.framework,
        runtime: v.runtime,
        gpuMemoryMb: v.gpuMemoryMb,
        /** What admission reserves on a GPU for it (gpuMemoryMb), in MB. */
        memoryMb: v.gpuMemoryMb,
        metrics: v.metrics,
        inputSchema: v.inputSchema,
        outputSchema: v.outputSchema,
        producedByRunId: v.producedByRunId,
        createdAt: v.createdAt,
        /** "module:Class" its code is served with; "" for a version served by runners/<framework>/. */
        entrypoint: v.entrypoint,
        requirements: v.requirements,
        code: files.map(([path, hash]) => ({ path, text: code.get(hash) ?? '' })),
        usedBy: [...runs.values()],
        samples: samples.get(v.version) ?? [],
      };
    }),
  };
}

/** The text of every code file the versions name, by hash (each text stored once, in CellSource). */
async function codeTexts(db: Db, versions: { codeFiles: unknown }[]): Promise<Map<string, string>> {
  const hashes = [...new Set(versions.flatMap((v) => Object.values(v.codeFiles as Record<string, string>)))];
  if (!hashes.length) return new Map();
  const rows = await db.cellSource.findMany({ where: { hash: { in: hashes } }, select: { hash: true, code: true } });
  return new Map(rows.map((r) => [r.hash, r.code]));
}

/**
 * What each version produced lately: the newest succeeded attempts, among the recent runs that used it, of the
 * steps that ran with it and left a result or displays.
 */
async function samplesOf(
  db: Db,
  used: { id: string; stepId: string; version: number; createdAt: Date; slug: string }[],
): Promise<Map<number, ModelSample[]>> {
  if (!used.length) return new Map();
  const runIds = used.map((u) => u.id);
  const stepIds = used.map((u) => u.stepId);
  // a few attempts per run and step, by id; the payloads are read below, for the chosen ones only
  const picked = await db.$queryRaw<
    { id: string; runId: string; itemKey: string; stepId: string; attempt: number; endedAt: Date | null }[]
  >`
    SELECT s.id, s."runId", s."itemKey", s."stepId", s.attempt, s."endedAt"
    FROM unnest(${runIds}::text[], ${stepIds}::text[]) AS u("runId", "stepId")
    CROSS JOIN LATERAL (
      SELECT s.id, s."runId", s."itemKey", s."stepId", s.attempt, s."endedAt" FROM "StepRun" s
      WHERE s."runId" = u."runId" AND s."stepId" = u."stepId" AND s.status = 'succeeded'
        AND ((s.result IS NOT NULL AND s.result <> 'null'::jsonb)
          OR (s.displays IS NOT NULL AND s.displays <> '[]'::jsonb AND s.displays <> 'null'::jsonb))
      ORDER BY s."endedAt" DESC NULLS LAST, s.id DESC
      LIMIT ${MODEL_SAMPLES_PER_VERSION}
    ) s`;
  // runs newest first (as `used` is), then each run's attempts newest first
  const useOf = new Map(used.map((u, i) => [`${u.id}\u0000${u.stepId}`, { ...u, order: i }]));
  const use = (p: { runId: string; stepId: string }) => useOf.get(`${p.runId}\u0000${p.stepId}`)!;
  picked.sort((a, b) => use(a).order - use(b).order || (b.endedAt?.getTime() ?? 0) - (a.endedAt?.getTime() ?? 0));
  const newest = new Map<number, typeof picked>();
  for (const p of picked) {
    const list = newest.get(use(p).version) ?? [];
    if (list.length < MODEL_SAMPLES_PER_VERSION) newest.set(use(p).version, [...list, p]);
  }
  const chosen = [...newest.values()].flat();
  if (!chosen.length) return new Map();
  const payloads = await db.stepRun.findMany({
    where: { id: { in: chosen.map((c) => c.id) } },
    select: { id: true, result: true, displays: true },
  });
  const byId = new Map(payloads.map((p) => [p.id, p]));
  const displays = await presentDisplays(
    db,
    chosen.map((c) => ({ ...c, displays: byId.get(c.id)?.displays ?? null })),
  );
  const shown = new Map(chosen.map((c, i) => [c.id, displays[i]!]));
  return new Map(
    [...newest].map(([version, list]) => [
      version,
      list.map(
        (p): ModelSample => ({
          runId: p.runId,
          pipeline: use(p).slug,
          step: p.stepId,
          item: p.itemKey,
          attempt: p.attempt,
          at: p.endedAt,
          result: byId.get(p.id)?.result ?? null,
          displays: shown.get(p.id) ?? [],
        }),
      ),
    ]),
  );
}
