'use client';
// A run: progress, estimate and actions; the items × steps grid (filterable, smooth at thousands of items);
// the steps as a graph with counts; a timeline; any cell's attempts, log, outputs and files; the metrics its cells
// logged. Updates live.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'next/navigation';
import { useDeferredValue, useMemo, useState } from 'react';
import { formatDuration, StatusBadge } from '../../_components/status';
import { useCanEdit } from '../../_components/who-am-i';
import { Button, Field, Select, TextInput } from '../../_components/forms';
import { ErrorBox, ErrorText, LoadError, Loading, PageTitle, TextLink } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';
import { RunGraph } from './run-graph';
import { RunGrid, type GridItem } from './run-grid';
import { ITEM_STATUS_OF_CODE, STEP_STATUS_OF_CODE } from '~/common/status-codes';
import { ITEM_STATUSES, isTerminalRun, type ItemStatus } from '~/common/statuses';
import { RunTimeline } from './run-timeline';
import type { RunBoard } from '~/server/presenters/runs';
import { ExportNotebook } from '../../_components/export-notebook';
import { StepPanel } from '../../_components/step-panel';
import { MetricsCharts } from '../../_components/outputs/metrics-charts';

/** The board's letters back into items with their cells. */
function boardItems(b: {
  keys: string[];
  itemStatus: string;
  cells: string;
  itemSteps: string[];
  attempts: Record<number, number>;
}): GridItem[] {
  const n = b.itemSteps.length;
  return b.keys.map((key, r) => {
    const steps: GridItem['steps'] = {};
    for (let c = 0; c < n; c++) {
      const status = STEP_STATUS_OF_CODE[b.cells[r * n + c]!];
      if (status) steps[b.itemSteps[c]!] = { status, attempts: b.attempts[r * n + c] ?? 1 };
    }
    return { key, status: ITEM_STATUS_OF_CODE[b.itemStatus[r]!] ?? 'pending', steps };
  });
}

/** `initial`: the board the server already read while rendering the page, so the grid shows without a round trip. */
export function RunView({ initial }: { initial?: RunBoard }) {
  const { runId } = useParams<{ runId: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
  const [selected, setSelected] = useState<{ item: string; step: string } | null>(null);
  const [statusFilter, setStatusFilter] = useState<ItemStatus | 'all'>('all');
  const [nameFilter, setNameFilter] = useState('');
  const [view, setView] = useState<'grid' | 'graph' | 'timeline'>('grid');
  const name = useDeferredValue(nameFilter.trim().toLowerCase());
  // poll until the run ends; the page updates without a reload
  const run = useQuery(
    trpc.runs.board.queryOptions(
      { runId },
      {
        initialData: initial,
        initialDataUpdatedAt: initial ? Date.now() : undefined,
        refetchInterval: (q) => (q.state.data && isTerminalRun(q.state.data.status) ? false : 1_000),
      },
    ),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.runs.board.queryKey({ runId }) });
  const cancel = useMutation(trpc.runs.cancel.mutationOptions({ onSuccess: refresh }));
  const retryFailed = useMutation(trpc.runs.retryFailed.mutationOptions({ onSuccess: refresh }));

  const items = useMemo(() => (run.data ? boardItems(run.data) : undefined), [run.data]);
  const filtered = useMemo(
    () =>
      (items ?? []).filter(
        (i) => (statusFilter === 'all' || i.status === statusFilter) && (!name || i.key.toLowerCase().includes(name)),
      ),
    [items, statusFilter, name],
  );

  if (run.isPending) return <Loading what="run" />;
  if (run.isError) return <LoadError what="run" error={run.error} />;
  const r = run.data;
  const active = !isTerminalRun(r.status);
  const itemSteps = r.steps.filter((s) => s.scope === 'item');
  const runLevelSteps = r.steps.filter((s) => s.scope !== 'item');
  const done = r.counts.succeeded + r.counts.failed;
  const elapsed =
    (r.endedAt ? new Date(r.endedAt).getTime() : Date.now()) - new Date(r.startedAt ?? r.createdAt).getTime();
  const selectedItem = selected ? items?.find((i) => i.key === selected.item) : undefined;
  const selectedCell = selected
    ? selected.item === ''
      ? r.runSteps[selected.step]
      : selectedItem?.steps[selected.step]
    : undefined;
  const pct = (n: number) => `${(100 * n) / Math.max(r.counts.total, 1)}%`;
  const actionError = cancel.error ?? retryFailed.error;

  return (
    <section className="space-y-6">
      <header className="space-y-2">
        <div className="flex flex-wrap items-center gap-3">
          <PageTitle>{r.pipeline.name}</PageTitle>
          <span className="font-mono text-xs text-stone-500">
            v{r.pipeline.version} · run {r.id} · {r.trigger}
          </span>
          <span data-testid="run-status">
            <StatusBadge status={r.status} />
          </span>
          <div className="ml-auto flex items-center gap-3">
            {canEdit && active && (
              <Button
                variant="danger"
                onClick={() => confirm('Cancel this run? Running steps are stopped.') && cancel.mutate({ runId })}
                disabled={cancel.isPending}
              >
                Cancel run
              </Button>
            )}
            {canEdit && !active && r.counts.failed > 0 && (
              <Button onClick={() => retryFailed.mutate({ runId })} disabled={retryFailed.isPending}>
                Retry {r.counts.failed} failed item{r.counts.failed === 1 ? '' : 's'}
              </Button>
            )}
            <TextLink className="text-sm" href={r.temporalUiUrl} target="_blank" rel="noreferrer">
              Open in Temporal UI
            </TextLink>
          </div>
        </div>
        {actionError && <ErrorText className="text-sm">{actionError.message}</ErrorText>}
        <div
          className="flex h-3 overflow-hidden rounded bg-stone-200"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={r.counts.total}
          aria-valuenow={done}
          aria-label="Items done"
        >
          <div className="bg-emerald-500" style={{ width: pct(r.counts.succeeded) }} />
          <div className="bg-red-500" style={{ width: pct(r.counts.failed) }} />
          <div className="bg-sky-400" style={{ width: pct(r.counts.running) }} />
        </div>
        {/* biome-ignore format: its JSX text fill would put a line past 120 columns */}
        <p className="text-sm text-stone-600" data-testid="run-counts">
          {r.counts.succeeded} succeeded · {r.counts.failed} failed · {r.counts.running} running ·{' '}
          {r.counts.pending} waiting · of {r.counts.total} items · elapsed {formatDuration(Math.max(0, elapsed))}
          {r.remainingMs !== null && active ? ` · about ${formatDuration(r.remainingMs)} left` : ''}
        </p>
        {r.error && <ErrorBox>{r.error}</ErrorBox>}
      </header>

      {runLevelSteps.length > 0 && (
        <div className="flex flex-wrap gap-3 text-sm">
          {runLevelSteps.map((s) => (
            <button
              key={s.id}
              type="button"
              onClick={() => setSelected({ item: '', step: s.id })}
              className={
                'inline-flex items-center gap-2 rounded border border-stone-200 ' +
                'bg-white px-2 py-1 hover:bg-stone-50'
              }
            >
              {s.title} ({s.scope} items) <StatusBadge status={r.runSteps[s.id]?.status ?? 'pending'} />
            </button>
          ))}
        </div>
      )}

      <div className="flex flex-wrap items-end gap-3 text-sm">
        <div role="tablist" aria-label="Views" className="flex overflow-hidden rounded border border-stone-300">
          {(['grid', 'graph', 'timeline'] as const).map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={view === v}
              onClick={() => setView(v)}
              className={`px-3 py-1 capitalize ${
                view === v ? 'bg-stone-800 text-white' : 'bg-white hover:bg-stone-50'
              }`}
            >
              {v}
            </button>
          ))}
        </div>
        <Field label={<span className="text-stone-600">Status</span>}>
          <Select
            value={statusFilter}
            onChange={(e) => setStatusFilter(e.target.value as ItemStatus | 'all')}
            aria-label="Filter items by status"
          >
            {(['all', 'failed', ...ITEM_STATUSES.filter((s) => s !== 'failed')] as const).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={<span className="text-stone-600">Item</span>}>
          <TextInput
            value={nameFilter}
            onChange={(e) => setNameFilter(e.target.value)}
            placeholder="name contains…"
            aria-label="Filter items by name"
          />
        </Field>
        <span className="text-stone-500">
          {filtered.length} of {r.keys.length} items
        </span>
      </div>

      {view === 'grid' && (
        <RunGrid
          steps={itemSteps}
          items={filtered}
          selected={selected}
          onSelect={(item, step) => setSelected({ item, step })}
        />
      )}
      {view === 'graph' && <RunGraph steps={r.steps} counts={r.stepCounts} runSteps={r.runSteps} />}
      {view === 'timeline' && <RunTimeline runId={runId} itemKeys={filtered.map((i) => i.key)} live={active} />}

      {selected && (
        <p className="text-xs text-stone-600">
          <ExportNotebook slug={r.pipeline.slug} version={r.pipeline.version} runId={runId} itemKey={selected.item}>
            {`export v${r.pipeline.version} as a notebook with ${selected.item || 'the run-level'} outputs`}
          </ExportNotebook>
        </p>
      )}
      {selected && (
        <StepPanel
          // a new attempt or status of the cell loads its details afresh
          key={`${selected.item}/${selected.step}/${selectedCell?.status ?? ''}/${selectedCell?.attempts ?? 0}`}
          runId={runId}
          itemKey={selected.item}
          stepId={selected.step}
          stepTitle={r.steps.find((s) => s.id === selected.step)?.title ?? selected.step}
          itemStatus={selectedItem?.status ?? ''}
          runActive={active}
        />
      )}

      <MetricsCharts runId={runId} pipelineSlug={r.pipeline.slug} steps={r.steps} live={active} />
    </section>
  );
}
