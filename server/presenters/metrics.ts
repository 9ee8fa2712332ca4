// Read models of the metrics cells logged: one run's values per metric, step and item (with the cell's own step
// number, an epoch or a batch), and a pipeline's recent runs' mean per metric, for charts across runs. An item's step
// that ran more than once counts once: only the values of its latest attempt that logged any are read.
import type { RunStatus } from '~/common/statuses';
import { type Db, Prisma } from '~/server/db';
import { AppError } from '~/server/errors';
import type { RunTrigger } from '~/server/generated/prisma/enums';

/** Values one run's metrics return at most (all of them still count in each step's mean, min and max). */
export const RUN_METRIC_VALUES_MAX = 20_000;

export interface MetricValue {
  itemKey: string;
  attempt: number;
  /** the cell's own x axis (epoch, batch), when it gave one */
  step: number | null;
  value: number;
}

export interface MetricSummary {
  count: number;
  mean: number;
  min: number;
  max: number;
}

export interface RunMetrics {
  runId: string;
  /** by name, then by step id */
  metrics: { name: string; steps: (MetricSummary & { stepId: string; values: MetricValue[] })[] }[];
  /** true when the run logged more than RUN_METRIC_VALUES_MAX values: the later ones are left out of `values` */
  truncated: boolean;
}

export async function runMetrics(db: Db, runId: string): Promise<RunMetrics> {
  const run = await db.run.findUnique({ where: { id: runId }, select: { id: true } });
  if (!run) throw AppError.notFound(`run ${runId}`);
  // each item's step: its latest attempt that logged metrics
  const latest = Prisma.sql`WITH latest AS (SELECT "itemKey", "stepId", max(attempt) AS attempt FROM "StepMetric"
    WHERE "runId" = ${runId} GROUP BY "itemKey", "stepId")`;
  const [summaries, values] = await Promise.all([
    db.$queryRaw<(MetricSummary & { name: string; stepId: string })[]>`${latest}
      SELECT m.name, m."stepId", count(*)::int AS count, avg(m.value)::float8 AS mean, min(m.value) AS min,
        max(m.value) AS max
      FROM "StepMetric" m JOIN latest USING ("itemKey", "stepId", attempt)
      WHERE m."runId" = ${runId}
      GROUP BY m.name, m."stepId"
      ORDER BY m.name, m."stepId"`,
    db.$queryRaw<(MetricValue & { name: string; stepId: string })[]>`${latest}
      SELECT m.name, m."stepId", m."itemKey", m.attempt, m.step, m.value
      FROM "StepMetric" m JOIN latest USING ("itemKey", "stepId", attempt)
      WHERE m."runId" = ${runId}
      ORDER BY m.name, m."stepId", m."itemKey", m.step NULLS FIRST, m."createdAt", m.id
      LIMIT ${RUN_METRIC_VALUES_MAX + 1}`,
  ]);
  const truncated = values.length > RUN_METRIC_VALUES_MAX;
  const valuesOf = new Map<string, MetricValue[]>();
  for (const { name, stepId, ...v } of values.slice(0, RUN_METRIC_VALUES_MAX)) {
    const key = `${name}\u0000${stepId}`;
    (valuesOf.get(key) ?? valuesOf.set(key, []).get(key)!).push(v);
  }
  const metrics: RunMetrics['metrics'] = [];
  for (const { name, stepId, ...summary } of summaries) {
    if (metrics.at(-1)?.name !== name) metrics.push({ name, steps: [] });
    metrics.at(-1)!.steps.push({ stepId, ...summary, values: valuesOf.get(`${name}\u0000${stepId}`) ?? [] });
  }
  return { runId, metrics, truncated };
}

export interface PipelineMetrics {
  pipeline: string;
  /** the runs read, oldest first: the last `limit` runs that logged metrics (the named one, if given) */
  runs: { runId: string; createdAt: Date; version: number; trigger: RunTrigger; status: RunStatus }[];
  /** by name: each run's mean, per step that logged it */
  metrics: { name: string; runs: (MetricSummary & { runId: string; stepId: string })[] }[];
}

export async function pipelineMetrics(
  db: Db,
  input: { slug: string; name?: string; limit: number },
): Promise<PipelineMetrics> {
  const pipeline = await db.pipeline.findUnique({ where: { slug: input.slug }, select: { id: true } });
  if (!pipeline) throw AppError.notFound(`pipeline "${input.slug}"`);
  const runs = await db.run.findMany({
    where: { pipelineId: pipeline.id, metrics: { some: input.name ? { name: input.name } : {} } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: input.limit,
    select: { id: true, createdAt: true, trigger: true, status: true, pipelineVersion: { select: { version: true } } },
  });
  runs.reverse();
  const ids = runs.map((r) => r.id);
  const summaries = ids.length
    ? await db.$queryRaw<(MetricSummary & { name: string; runId: string; stepId: string })[]>`
      WITH latest AS (SELECT "runId", "itemKey", "stepId", max(attempt) AS attempt FROM "StepMetric"
        WHERE "runId" = ANY(${ids}::text[]) GROUP BY "runId", "itemKey", "stepId")
      SELECT m.name, m."runId", m."stepId", count(*)::int AS count, avg(m.value)::float8 AS mean, min(m.value) AS min,
        max(m.value) AS max
      FROM "StepMetric" m JOIN latest USING ("runId", "itemKey", "stepId", attempt)
      WHERE (${input.name ?? null}::text IS NULL OR m.name = ${input.name ?? null}::text)
      GROUP BY m.name, m."runId", m."stepId"`
    : [];
  const order = new Map(ids.map((id, i) => [id, i]));
  const byName = new Map<string, PipelineMetrics['metrics'][number]['runs']>();
  for (const { name, ...s } of summaries) (byName.get(name) ?? byName.set(name, []).get(name)!).push(s);
  return {
    pipeline: input.slug,
    runs: runs.map((r) => ({
      runId: r.id,
      createdAt: r.createdAt,
      version: r.pipelineVersion.version,
      trigger: r.trigger,
      status: r.status,
    })),
    metrics: [...byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, list]) => ({
        name,
        runs: list.sort((a, b) => order.get(a.runId)! - order.get(b.runId)! || (a.stepId < b.stepId ? -1 : 1)),
      })),
  };
}
