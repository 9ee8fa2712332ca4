'use client';
// The metrics a run's cells logged, a small chart each: across the run's items (by the cell's step number when it
// gave one), and the run's mean against the pipeline's recent runs. Renders nothing while the run has no metrics.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { MetricSummary, PipelineMetrics, RunMetrics } from '~/server/presenters/metrics';
import { useTRPC } from '../../_trpc/client';
import { Card, ErrorText, SectionTitle } from '../ui';
import { VegaChart } from './vega-chart';

/** Items a chart tells apart by colour; beyond that it shows their mean (or a histogram of the values). */
const ITEMS_IN_COLOUR = 12;
const ITEMS_AS_BARS = 50;
const RUNS_ACROSS = 20;
const CHART_HEIGHT = 160;

type RunMetric = RunMetrics['metrics'][number];
type StepSeries = RunMetric['steps'][number];

const round = (v: number) => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());

function summaryText(s: MetricSummary): string {
  const count = `${s.count} value${s.count === 1 ? '' : 's'}`;
  return [count, `mean ${round(s.mean)}`, `min ${round(s.min)}`, `max ${round(s.max)}`].join(' · ');
}

/** A chart of one metric of one step, across the run's items. */
export function itemsChartSpec(name: string, series: StepSeries): Record<string, unknown> {
  const values = series.values.map((v) => ({ item: v.itemKey, step: v.step, value: v.value }));
  const items = new Set(values.map((v) => v.item)).size;
  const base = { width: 'container', height: CHART_HEIGHT, data: { values } };
  const value = { field: 'value', type: 'quantitative', title: name, scale: { zero: false } };
  if (values.some((v) => v.step !== null)) {
    const few = items <= ITEMS_IN_COLOUR;
    return {
      ...base,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: few ? value : { ...value, aggregate: 'mean', title: `mean ${name} of ${items} items` },
        ...(few && items > 1 ? { color: { field: 'item', type: 'nominal', title: 'item' } } : {}),
        tooltip: few
          ? [{ field: 'item' }, { field: 'step' }, { field: 'value', type: 'quantitative' }]
          : [{ field: 'step' }, { field: 'value', type: 'quantitative', aggregate: 'mean', title: 'mean' }],
      },
    };
  }
  if (items <= ITEMS_AS_BARS)
    return {
      ...base,
      mark: 'bar',
      encoding: {
        x: { field: 'item', type: 'nominal', title: 'item', sort: null },
        y: { ...value, aggregate: 'mean', scale: { zero: true } },
        tooltip: [{ field: 'item' }, { field: 'value', type: 'quantitative', aggregate: 'mean', title: name }],
      },
    };
  return {
    ...base,
    mark: 'bar',
    encoding: {
      x: { field: 'value', type: 'quantitative', bin: { maxbins: 30 }, title: name },
      y: { aggregate: 'count', type: 'quantitative', title: 'items' },
    },
  };
}

/** One metric's mean per run across the pipeline's recent runs, this run's point marked. */
export function runsChartSpec(
  name: string,
  runs: PipelineMetrics['runs'],
  points: PipelineMetrics['metrics'][number]['runs'],
  currentRunId: string,
): Record<string, unknown> {
  const started = new Map(runs.map((r) => [r.runId, r]));
  const values = points.map((p) => ({
    run: p.runId.slice(0, 8),
    version: started.get(p.runId)?.version ?? null,
    started: started.get(p.runId)?.createdAt.toISOString() ?? null,
    step: p.stepId,
    mean: p.mean,
    count: p.count,
    current: p.runId === currentRunId,
  }));
  const steps = new Set(values.map((v) => v.step)).size;
  const x = { field: 'started', type: 'temporal', title: 'run started' };
  const y = { field: 'mean', type: 'quantitative', title: `mean ${name}`, scale: { zero: false } };
  return {
    width: 'container',
    height: CHART_HEIGHT,
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y,
          ...(steps > 1 ? { color: { field: 'step', type: 'nominal', title: 'step' } } : {}),
          tooltip: [
            { field: 'run' },
            { field: 'version' },
            { field: 'started', type: 'temporal', timeUnit: 'yearmonthdatehoursminutes' },
            { field: 'step' },
            { field: 'mean', type: 'quantitative' },
            { field: 'count', type: 'quantitative' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.current' }],
        mark: { type: 'point', filled: true, size: 120, color: '#b45309' },
        encoding: { x, y },
      },
    ],
  };
}

function MetricCard({
  metric,
  stepTitle,
  across,
  runId,
}: {
  metric: RunMetric;
  stepTitle: (id: string) => string;
  across: PipelineMetrics | undefined;
  runId: string;
}) {
  const itemCharts = useMemo(() => metric.steps.map((s) => itemsChartSpec(metric.name, s)), [metric]);
  const history = across?.metrics.find((m) => m.name === metric.name);
  const runsChart = useMemo(
    () =>
      across && history && new Set(history.runs.map((r) => r.runId)).size > 1
        ? runsChartSpec(metric.name, across.runs, history.runs, runId)
        : null,
    [across, history, metric.name, runId],
  );
  return (
    <Card as="article" className="min-w-0 space-y-2 p-3" aria-label={`Metric ${metric.name}`} data-testid="metric">
      <h3 className="font-mono text-sm font-medium">{metric.name}</h3>
      {metric.steps.map((s, i) => (
        <div key={s.stepId} className="space-y-1">
          <p className="text-xs text-stone-600">
            {stepTitle(s.stepId)}: {summaryText(s)}
          </p>
          <VegaChart spec={itemCharts[i]!} label={`${metric.name} of ${stepTitle(s.stepId)} across items`} />
        </div>
      ))}
      {runsChart && (
        <div className="space-y-1">
          <p className="text-xs text-stone-600">Across the pipeline's last runs (this run marked)</p>
          <VegaChart spec={runsChart} label={`${metric.name} across runs`} />
        </div>
      )}
    </Card>
  );
}

/** The run page's Metrics section; `live` polls while the run is going. */
export function MetricsCharts({
  runId,
  pipelineSlug,
  steps = [],
  live = false,
}: {
  runId: string;
  pipelineSlug: string;
  steps?: { id: string; title: string }[];
  live?: boolean;
}) {
  const trpc = useTRPC();
  const refetchInterval = live ? 5_000 : false;
  const forRun = useQuery(trpc.metrics.forRun.queryOptions({ runId }, { refetchInterval }));
  const hasMetrics = (forRun.data?.metrics.length ?? 0) > 0;
  const forPipeline = useQuery(
    trpc.metrics.forPipeline.queryOptions(
      { slug: pipelineSlug, limit: RUNS_ACROSS },
      { enabled: hasMetrics, refetchInterval },
    ),
  );
  if (forRun.isError) return <ErrorText className="text-sm">Could not load metrics: {forRun.error.message}</ErrorText>;
  if (!forRun.data || !hasMetrics) return null;
  const titles = new Map(steps.map((s) => [s.id, s.title]));
  const stepTitle = (id: string) => titles.get(id) ?? id;
  return (
    <section className="space-y-3" aria-labelledby="metrics-title" data-testid="run-metrics">
      <SectionTitle id="metrics-title">Metrics</SectionTitle>
      {forRun.data.truncated && (
        <p className="text-sm text-stone-500">
          This run logged more values than the charts show; the counts and means include them all.
        </p>
      )}
      <div className="grid gap-3 md:grid-cols-2">
        {forRun.data.metrics.map((m) => (
          <MetricCard key={m.name} metric={m} stepTitle={stepTitle} across={forPipeline.data} runId={runId} />
        ))}
      </div>
    </section>
  );
}
