'use client';
// The pipeline's steps as a graph, laid out in columns by depth, each step with its counts in this run.
import { STEP_STATUSES, type StepStatus } from '~/common/statuses';
import type { StepCounts } from '~/server/presenters/runs';
import { Figure } from '../../_components/ui';

interface GraphStep {
  id: string;
  title: string;
  queue: string;
  scope: string;
  needs: string[];
}

const W = 170;
const H = 58;
const GAP_X = 50;
const GAP_Y = 18;

export function RunGraph({
  steps,
  counts,
  runSteps,
}: {
  steps: GraphStep[];
  counts: Record<string, StepCounts>;
  runSteps: Record<string, { status: StepStatus } | undefined>;
}) {
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    const step = steps.find((s) => s.id === id);
    if (!step || seen.has(id)) return 0;
    seen.add(id);
    const d = step.needs.length ? Math.max(...step.needs.map((n) => depthOf(n, seen))) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  for (const s of steps) depthOf(s.id);
  const columns: GraphStep[][] = [];
  for (const s of steps) {
    const c = depth.get(s.id)!;
    columns[c] ??= [];
    columns[c].push(s);
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [c, col] of columns.entries()) {
    for (const [r, s] of col.entries()) pos.set(s.id, { x: c * (W + GAP_X), y: r * (H + GAP_Y) });
  }
  const width = columns.length * (W + GAP_X) - GAP_X;
  const height = Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;

  return (
    <Figure caption="Steps">
      <svg
        width={width + 2}
        height={height + 2}
        viewBox={`-1 -1 ${width + 2} ${height + 2}`}
        role="img"
        aria-label="The pipeline's steps and their counts"
        className="text-xs"
      >
        {steps.flatMap((s) =>
          s.needs.map((n) => {
            const a = pos.get(n);
            const b = pos.get(s.id);
            if (!a || !b) return null;
            return (
              <path
                key={`${n}-${s.id}`}
                d={
                  `M${a.x + W},${a.y + H / 2} C${a.x + W + GAP_X / 2},${a.y + H / 2} ` +
                  `${b.x - GAP_X / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}`
                }
                fill="none"
                stroke="#a8a29e"
              />
            );
          }),
        )}
        {steps.map((s) => {
          const p = pos.get(s.id)!;
          const c = counts[s.id] ?? {};
          const line =
            s.scope === 'item'
              ? (['succeeded', ...STEP_STATUSES.filter((k) => k !== 'succeeded')] satisfies StepStatus[])
                  .filter((k) => c[k])
                  .map((k) => `${c[k]} ${k}`)
                  .join(' · ') || 'not started'
              : `${s.scope}: ${runSteps[s.id]?.status ?? 'pending'}`;
          return (
            <g key={s.id} transform={`translate(${p.x},${p.y})`} data-testid={`graph-step-${s.id}`}>
              <rect
                width={W}
                height={H}
                rx={8}
                fill="white"
                stroke={s.queue === 'gpu' ? '#7c3aed' : '#78716c'}
                strokeWidth={s.queue === 'gpu' ? 2 : 1}
              />
              <text x={10} y={20} className="fill-stone-900 font-medium">
                {s.title.length > 22 ? `${s.title.slice(0, 21)}…` : s.title}
              </text>
              <text
                x={W - 10}
                y={20}
                textAnchor="end"
                className={s.queue === 'gpu' ? 'fill-violet-700' : 'fill-stone-500'}
              >
                {s.queue.toUpperCase()}
              </text>
              <text x={10} y={42} className="fill-stone-600">
                {line.length > 30 ? `${line.slice(0, 29)}…` : line}
              </text>
            </g>
          );
        })}
      </svg>
      <p className="sr-only">{steps.map((s) => `${s.title}: ${JSON.stringify(counts[s.id] ?? {})}`).join('; ')}</p>
    </Figure>
  );
}
