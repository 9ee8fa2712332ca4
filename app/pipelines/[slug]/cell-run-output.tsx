'use client';
// What a cell run produced, under its cell as it streams: the latest attempt's log, displays (tables, images,
// charts…), result, files and metrics, read every 300 ms while it runs; earlier attempts' errors folded above.
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useEffect, useRef } from 'react';
import { isLiveStep, isTerminalRun } from '~/common/statuses';
import type { AppRouter } from '~/server/api/root';
import { itemsChartSpec } from '../../_components/outputs/metrics-charts';
import { VegaChart } from '../../_components/outputs/vega-chart';
import { formatDuration, StatusBadge } from '../../_components/status';
import { ErrorText } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';
import { AttemptOutput, Files } from './attempt-output';

const POLL_MS = 300;

export function CellRunOutput({
  runId,
  itemKey,
  stepId,
  onEnded,
}: {
  runId: string;
  itemKey: string;
  stepId: string;
  /** Called once the run has ended and its last attempt is read: nothing more will come. */
  onEnded?: () => void;
}) {
  const trpc = useTRPC();
  const run = useQuery(
    trpc.runs.get.queryOptions(
      { runId },
      { refetchInterval: (q) => (q.state.data && isTerminalRun(q.state.data.status) ? false : 1_000) },
    ),
  );
  const ended = !!run.data && isTerminalRun(run.data.status);
  const attempts = useQuery(
    trpc.runs.attempts.queryOptions(
      { runId, itemKey, stepId },
      {
        refetchInterval: (q) => {
          const latest = q.state.data?.attempts[0];
          // once the run has ended and its last attempt is read, nothing more comes
          if (ended && latest && !isLiveStep(latest.status)) return false;
          return POLL_MS;
        },
      },
    ),
  );
  const metrics = useQuery(
    trpc.metrics.forRun.queryOptions(
      { runId },
      { refetchInterval: (q) => (ended && q.state.dataUpdatedAt > endedAt(run.data) ? false : 1_000) },
    ),
  );
  const latest = attempts.data?.attempts[0];
  const done = ended && !!attempts.data && (!latest || !isLiveStep(latest.status));
  const onEndedRef = useRef(onEnded);
  onEndedRef.current = onEnded;
  useEffect(() => {
    if (done) onEndedRef.current?.();
  }, [done]);
  const earlier = attempts.data?.attempts.slice(1) ?? [];
  const itemError = run.data?.items[0]?.error ?? run.data?.error ?? null;

  return (
    <section
      className="space-y-2 rounded border border-stone-200 bg-stone-50/50 p-3 text-sm"
      aria-label={`Output of ${stepId} for ${itemKey}`}
      aria-live="polite"
      data-testid={`cell-output-${stepId}`}
    >
      <div className="flex flex-wrap items-center gap-2 text-xs text-stone-600">
        <span>
          Cell run on <span className="font-mono">{itemKey}</span>
        </span>
        {latest ? <StatusBadge status={latest.status} /> : run.data && <StatusBadge status={run.data.status} />}
        {latest && (
          <span>
            attempt {latest.attempt} ·{' '}
            {latest.endedMs
              ? formatDuration(latest.endedMs - latest.startedMs)
              : `running for ${formatDuration(Date.now() - latest.startedMs)}`}
          </span>
        )}
        <Link className="ml-auto underline" href={`/runs/${runId}`}>
          run page
        </Link>
      </div>
      {earlier.some((a) => a.error) && (
        <details className="text-xs">
          <summary className="cursor-pointer text-stone-600">Earlier attempts ({earlier.length})</summary>
          <ul className="space-y-1">
            {earlier.map((a) => (
              <li key={a.attempt} className="whitespace-pre-wrap text-red-800">
                {a.attempt}: {a.error ?? a.status}
              </li>
            ))}
          </ul>
        </details>
      )}
      {!latest && !ended && <p className="text-xs text-stone-500">Waiting for a worker…</p>}
      {!latest && ended && itemError && <ErrorText className="text-xs">{itemError}</ErrorText>}
      {attempts.isError && <ErrorText className="text-xs">{attempts.error.message}</ErrorText>}
      {latest && (
        <>
          <AttemptOutput
            stepId={stepId}
            runId={runId}
            log={latest.log}
            logTruncated={latest.logTruncated}
            error={latest.error}
            displays={latest.displays}
            result={latest.result}
          />
          {(attempts.data?.files.length ?? 0) > 0 && (
            <Files files={attempts.data!.files} total={attempts.data!.files.length} />
          )}
          <Metrics metrics={metrics.data?.metrics ?? []} stepId={stepId} />
        </>
      )}
    </section>
  );
}

const endedAt = (run: { endedAt: Date | null } | undefined) => run?.endedAt?.getTime() ?? Number.POSITIVE_INFINITY;

type RunMetric = inferRouterOutputs<AppRouter>['metrics']['forRun']['metrics'][number];

/** What the cell logged with log_metric: the latest value of each metric, charted when it logged several. */
function Metrics({ metrics, stepId }: { metrics: RunMetric[]; stepId: string }) {
  const mine = metrics.flatMap((m) =>
    m.steps.filter((s) => s.stepId === stepId).map((series) => ({ name: m.name, series })),
  );
  if (!mine.length) return null;
  return (
    <div className="space-y-2 text-xs" data-testid="cell-metrics">
      <p className="text-stone-600">Metrics</p>
      <ul className="space-y-2">
        {mine.map(({ name, series }) => {
          const last = series.values.at(-1);
          return (
            <li key={name}>
              <span className="font-mono">{name}</span>: {last ? String(last.value) : '—'}
              {last?.step !== null && last?.step !== undefined ? ` (step ${last.step})` : ''} · {series.count} value
              {series.count === 1 ? '' : 's'}, min {series.min}, max {series.max}
              {series.values.length > 1 && <VegaChart spec={itemsChartSpec(name, series)} label={`Metric ${name}`} />}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
