'use client';
// A Gantt chart of items over time: one row per item, one bar per step attempt, GPU steps outlined in violet.
import { useQuery } from '@tanstack/react-query';
import type { StepStatus } from '~/common/statuses';
import { Figure, Loading } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';

// SVG fills, one per step status (a missing one does not compile)
const COLOURS: Record<StepStatus, string> = {
  succeeded: '#10b981',
  failed: '#ef4444',
  running: '#0ea5e9',
  retrying: '#f59e0b',
  waiting: '#d6d3d1',
  cancelled: '#a8a29e',
  lost: '#c084fc',
  skipped: '#e7e5e4',
};
const ROW = 14;

export function RunTimeline({ runId, itemKeys, live }: { runId: string; itemKeys: string[]; live: boolean }) {
  const trpc = useTRPC();
  const shown = itemKeys.slice(0, 100);
  const timeline = useQuery(
    trpc.runs.timeline.queryOptions(
      { runId, itemKeys: shown, limit: 100 },
      { refetchInterval: live ? 2_000 : false, enabled: shown.length > 0 },
    ),
  );
  if (shown.length === 0) return null;
  if (!timeline.data) return <Loading what="the timeline" className="text-sm" />;
  const bars = timeline.data.items.flatMap((i) => i.steps);
  if (bars.length === 0) return <p className="text-sm text-stone-500">No step has started yet.</p>;
  const start = Math.min(...bars.map((b) => b.startMs));
  const end = Math.max(...bars.map((b) => b.endMs ?? Date.now()));
  const span = Math.max(1, end - start);
  const width = 900;
  const x = (t: number) => 120 + ((t - start) / span) * (width - 130);
  return (
    <Figure
      caption={
        <>
          Timeline {itemKeys.length > shown.length ? `(first ${shown.length} of ${itemKeys.length} items)` : ''} ·{' '}
          {Math.round(span / 1000)} s · GPU steps outlined
        </>
      }
    >
      <svg
        width={width}
        height={timeline.data.items.length * ROW + 4}
        role="img"
        aria-label="Timeline of items over time"
        data-testid="run-timeline"
      >
        {timeline.data.items.map((item, r) => (
          <g key={item.key} transform={`translate(0,${r * ROW})`}>
            <text x={0} y={ROW - 4} className="fill-stone-600 text-[10px]">
              {item.key.length > 18 ? `${item.key.slice(0, 17)}…` : item.key}
            </text>
            {item.steps.map((s) => (
              <rect
                key={`${s.stepId}-${s.attempt}`}
                x={x(s.startMs)}
                y={2}
                height={ROW - 4}
                width={Math.max(1.5, x(s.endMs ?? Date.now()) - x(s.startMs))}
                fill={COLOURS[s.status]}
                stroke={s.queue === 'gpu' ? '#6d28d9' : 'none'}
                strokeWidth={1}
              >
                <title>
                  {`${item.key} · ${s.stepId} (attempt ${s.attempt}, ${s.queue}): ` +
                    `${s.status}, ${((s.endMs ?? Date.now()) - s.startMs) / 1000} s`}
                </title>
              </rect>
            ))}
          </g>
        ))}
      </svg>
    </Figure>
  );
}
