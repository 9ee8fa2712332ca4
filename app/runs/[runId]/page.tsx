'use client';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '../../_trpc/client';
import { formatDuration, StatusBadge, statusColour } from '../../_components/status';

const TERMINAL = ['succeeded', 'failed', 'partially_failed', 'cancelled'];

export default function RunPage() {
  const { runId } = useParams<{ runId: string }>();
  const trpc = useTRPC();
  const [selected, setSelected] = useState<{ item: string; step: string } | null>(null);
  // poll until the run ends; the page updates without a reload
  const run = useQuery(trpc.runs.get.queryOptions({ runId }, { refetchInterval: (q) => (q.state.data && TERMINAL.includes(q.state.data.status) ? false : 1_000) }));

  if (run.isPending) return <p className="text-stone-500">Loading run…</p>;
  if (run.isError) return <p role="alert" className="text-red-700">Could not load run: {run.error.message}</p>;
  const r = run.data;
  const itemSteps = r.steps.filter((s) => s.scope === 'item');
  const runLevelSteps = r.steps.filter((s) => s.scope !== 'item');
  const done = r.counts.succeeded + r.counts.failed;
  const elapsed = (r.endedAt ? new Date(r.endedAt).getTime() : Date.now()) - new Date(r.startedAt ?? r.createdAt).getTime();
  const cell = selected ? r.items.find((i) => i.key === selected.item)?.steps[selected.step] : undefined;

  return (
    <section className="space-y-6">
      <header className="space-y-2">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">{r.pipeline.name}</h1>
          <span className="font-mono text-xs text-stone-500">v{r.pipeline.version} · run {r.id}</span>
          <span data-testid="run-status"><StatusBadge status={r.status} /></span>
          <a className="ml-auto text-sm text-amber-800 underline" href={r.temporalUiUrl} target="_blank" rel="noreferrer">
            Open in Temporal UI
          </a>
        </div>
        <div className="flex h-3 overflow-hidden rounded bg-stone-200" role="progressbar" aria-valuemin={0} aria-valuemax={r.counts.total} aria-valuenow={done} aria-label="Items done">
          <div className="bg-emerald-500" style={{ width: `${(100 * r.counts.succeeded) / Math.max(r.counts.total, 1)}%` }} />
          <div className="bg-red-500" style={{ width: `${(100 * r.counts.failed) / Math.max(r.counts.total, 1)}%` }} />
          <div className="bg-sky-400" style={{ width: `${(100 * r.counts.running) / Math.max(r.counts.total, 1)}%` }} />
        </div>
        <p className="text-sm text-stone-600" data-testid="run-counts">
          {r.counts.succeeded} succeeded · {r.counts.failed} failed · {r.counts.running} running · {r.counts.pending} waiting · of {r.counts.total} items ·
          elapsed {formatDuration(Math.max(0, elapsed))}
        </p>
        {r.error && <p role="alert" className="rounded border border-red-200 bg-red-50 p-2 text-sm text-red-800">{r.error}</p>}
      </header>

      <div className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
        <table className="text-sm">
          <thead className="bg-stone-100 text-left text-stone-600">
            <tr>
              <th className="sticky left-0 bg-stone-100 p-2">Item</th>
              {itemSteps.map((s) => (
                <th key={s.id} className="p-2 font-medium">
                  {s.title} <span className={`ml-1 rounded px-1 text-[10px] ${s.queue === 'gpu' ? 'bg-violet-100 text-violet-800' : 'bg-stone-200 text-stone-700'}`}>{s.queue.toUpperCase()}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {r.items.map((item) => (
              <tr key={item.key} className="border-t border-stone-100" data-testid={`item-${item.key}`}>
                <th className="sticky left-0 bg-white p-2 text-left font-normal">
                  <span className="inline-flex items-center gap-2">
                    <span className={`h-2 w-2 rounded-full ${statusColour(item.status)}`} aria-hidden />
                    {item.key}
                  </span>
                </th>
                {itemSteps.map((s) => {
                  const c = item.steps[s.id];
                  const status = c?.status ?? 'pending';
                  return (
                    <td key={s.id} className="p-1">
                      <button
                        type="button"
                        aria-label={`${item.key} ${s.title}: ${status}`}
                        title={`${status}${c && c.attempts > 1 ? ` (attempt ${c.attempts})` : ''}`}
                        data-status={status}
                        onClick={() => setSelected({ item: item.key, step: s.id })}
                        className={`h-5 w-full min-w-16 rounded ${statusColour(status)} focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-500`}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {runLevelSteps.length > 0 && (
        <div className="flex flex-wrap gap-3 text-sm">
          {runLevelSteps.map((s) => (
            <span key={s.id} className="inline-flex items-center gap-2 rounded border border-stone-200 bg-white px-2 py-1">
              {s.title} ({s.scope} items) <StatusBadge status={r.runSteps[s.id]?.status ?? 'pending'} />
            </span>
          ))}
        </div>
      )}

      {selected && (
        <aside className="rounded-lg border border-stone-200 bg-white p-4 text-sm" aria-live="polite">
          <h2 className="mb-2 font-medium">
            {selected.item} · {selected.step}
          </h2>
          {cell ? (
            <dl className="grid grid-cols-[8rem_1fr] gap-1">
              <dt className="text-stone-500">Status</dt>
              <dd><StatusBadge status={cell.status} /></dd>
              <dt className="text-stone-500">Attempts</dt>
              <dd>{cell.attempts}</dd>
              <dt className="text-stone-500">Duration</dt>
              <dd>{cell.endedAt ? formatDuration(new Date(cell.endedAt).getTime() - new Date(cell.startedAt).getTime()) : 'running'}</dd>
              {cell.error && (
                <>
                  <dt className="text-stone-500">Error</dt>
                  <dd className="whitespace-pre-wrap text-red-800">{cell.error}</dd>
                </>
              )}
            </dl>
          ) : (
            <p className="text-stone-500">This step has not started for this item.</p>
          )}
        </aside>
      )}
    </section>
  );
}
