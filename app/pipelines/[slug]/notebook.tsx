'use client';
// A pipeline as a notebook: its parameters as the first cell, then one cell per step (code in an editor, Markdown
// rendered, commands as they run) with each cell's stored output for the chosen item under it (its latest attempt,
// all cells read in one query), or the live output of a cell run here until it ends. Editors edit cells into
// their own draft (stored as they type, checked by the server), run a cell or every cell below it on one item
// with the draft's code, and save the draft as the next version, seeing what changed. Until then no version and
// no schedule changes. The page arrives with its data (page.tsx reads it on the server), so the code and outputs
// show before the scripts run; the controls that change things come once the page is live.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useParams, useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { stepSpecSchema, type PipelineSpec, type StepSpec } from '~/common/pipeline-spec';
import { isTerminalRun, type RunStatus } from '~/common/statuses';
import type { AppRouter } from '~/server/api/root';
import { StatusBadge } from '../../_components/status';
import { Button, TextButton, TextInput } from '../../_components/forms';
import { Chip, ErrorText, LoadError, Loading, PageTitle, TextLink } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';
import { CellRunOutput } from './cell-run-output';
import { NotebookCell, runsOnItems, type NewCellKind } from './notebook-cell';
import { ParamsForm } from './params-form';
import { StoredCellOutput } from './stored-output';
import { useDraft, type SaveState } from './use-draft';
import { useLive } from './use-live';
import { PublishedDiff, type Published } from './version-diff';
import { Versions } from './versions';

type Outputs = inferRouterOutputs<AppRouter>;

/** What the server read for the page as it rendered it, for the signed-in visitor. */
export interface NotebookInitial {
  pipeline: Outputs['pipelines']['get'];
  draft: Outputs['drafts']['get'];
  outputs: Outputs['notebooks']['outputs'];
  canEdit: boolean;
  /** When it was read (ms since the epoch). */
  readAt: number;
}

export function Notebook({ initial }: { initial?: NotebookInitial }) {
  const { slug } = useParams<{ slug: string }>();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const live = useLive();
  const me = useQuery(trpc.auth.me.queryOptions());
  const canEdit = me.data ? me.data.role === 'editor' || me.data.role === 'admin' : (initial?.canEdit ?? false);
  const [version, setVersion] = useState<number | undefined>(undefined);
  const pipeline = useQuery(
    trpc.pipelines.get.queryOptions(
      { slug, version },
      { initialData: version === undefined ? initial?.pipeline : undefined, initialDataUpdatedAt: initial?.readAt },
    ),
  );
  const isLatest = !!pipeline.data && pipeline.data.version === pipeline.data.latestVersion;
  const draft = useDraft(slug, isLatest ? (pipeline.data?.spec as PipelineSpec) : undefined, initial?.draft);
  // an editor sees their draft at once; its controls work once the page is live
  const ownDraft = canEdit && isLatest;
  const editable = ownDraft && live;
  const spec = (ownDraft ? draft.spec : pipeline.data?.spec) as PipelineSpec | undefined;

  const runs = useQuery(trpc.runs.list.queryOptions({ pipelineSlug: slug, limit: 20 }, { refetchInterval: 3_000 }));
  const lastRun = runs.data?.runs.find((r) => r.trigger !== 'dev');
  // the item typed or picked; until then the server's pick: the latest run's first item (cell runs included), else
  // the items param's first default
  const [chosenItem, setItem] = useState<string | null>(null);
  const outputs = useQuery(
    trpc.notebooks.outputs.queryOptions(
      { slug, itemKey: chosenItem ?? undefined },
      {
        initialData: chosenItem === null ? initial?.outputs : undefined,
        initialDataUpdatedAt: initial?.readAt,
        placeholderData: keepPreviousData,
        // while a run of the pipeline goes on, its outputs come in
        refetchInterval: lastRun && !isTerminalRun(lastRun.status) ? 3_000 : false,
      },
    ),
  );
  const item = chosenItem ?? outputs.data?.itemKey ?? defaultItems(spec)[0] ?? '';
  const knownItems = useMemo(
    () => [...new Set([...defaultItems(spec), ...(outputs.data?.items ?? [])])],
    [spec, outputs.data],
  );

  // cells run here, shown live until their run ends and the stored outputs have them
  const [cellRuns, setCellRuns] = useState<Record<string, { runId: string; itemKey: string; ended: boolean }>>({});
  const [runError, setRunError] = useState<string | null>(null);
  const [chainRunning, setChainRunning] = useState(false);
  const [published, setPublished] = useState<Published | null>(null);
  const trigger = useMutation(
    trpc.runs.trigger.mutationOptions({ onSuccess: ({ runId }) => router.push(`/runs/${runId}`) }),
  );
  const runCell = useMutation(trpc.runs.runCell.mutationOptions());

  if (pipeline.isPending) return <Loading what="pipeline" />;
  if (pipeline.isError) return <LoadError what="pipeline" error={pipeline.error} />;
  if (!spec || draft.loading) return <Loading what="notebook" />;
  const p = pipeline.data;

  /** Runs one cell on the chosen item (with the draft's code when there is a draft); its run id, or null. */
  const runOne = async (stepId: string): Promise<string | null> => {
    setRunError(null);
    if (draft.hasDraft && !(await draft.flush())) {
      setRunError('The draft has problems (shown at their cells): fix them to run its cells');
      return null;
    }
    try {
      const { runId } = await runCell.mutateAsync({
        pipelineSlug: slug,
        stepId,
        itemKey: item,
        ...(draft.hasDraft ? { draft: true } : {}),
      });
      setCellRuns((c) => ({ ...c, [stepId]: { runId, itemKey: item, ended: false } }));
      return runId;
    } catch (err) {
      setRunError(`${stepId}: ${(err as Error).message}`);
      return null;
    }
  };

  const waitForRun = async (runId: string): Promise<RunStatus> => {
    for (;;) {
      const run = await queryClient.fetchQuery({ ...trpc.runs.get.queryOptions({ runId }), staleTime: 0 });
      if (isTerminalRun(run.status)) return run.status;
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  /** This cell, then each runnable cell below it, each on the outputs the cells before it just produced. */
  const runBelow = async (index: number) => {
    setChainRunning(true);
    try {
      for (const step of spec.steps.slice(index).filter(runsOnItems)) {
        const runId = await runOne(step.id);
        if (!runId) return;
        const status = await waitForRun(runId);
        if (status !== 'succeeded') {
          setRunError(`${step.id} ${status.replace('_', ' ')}: the cells below it did not run`);
          return;
        }
      }
    } finally {
      setChainRunning(false);
    }
  };

  const editSteps = (change: (steps: StepSpec[]) => StepSpec[]) =>
    draft.edit((s) => ({ ...s, steps: change(s.steps) }));
  const runnableIds = spec.steps.filter((s) => s.kind !== 'markdown').map((s) => s.id);
  const cellRunEnded = (stepId: string, runId: string) => {
    setCellRuns((c) => (c[stepId]?.runId === runId ? { ...c, [stepId]: { ...c[stepId], ended: true } } : c));
    void queryClient.invalidateQueries({ queryKey: trpc.notebooks.outputs.queryKey() });
  };
  // another item's, dimmed, while this one's load
  const stored = outputs.data?.cells ?? {};

  return (
    <section className="space-y-6">
      <header className="space-y-1">
        <div className="flex flex-wrap items-center gap-3">
          <PageTitle>{p.name}</PageTitle>
          <span className="font-mono text-xs text-stone-500">
            {slug} · v{p.version}
            {isLatest ? ' (latest)' : ` of ${p.latestVersion}`}
          </span>
          {spec.tags.map((t) => (
            <Chip key={t} tone="amber">
              {t}
            </Chip>
          ))}
          {lastRun && (
            <TextLink href={`/runs/${lastRun.id}`} className="ml-auto text-sm">
              Latest run <StatusBadge status={lastRun.status} />
            </TextLink>
          )}
        </div>
        {spec.description && <p className="text-sm text-stone-600">{spec.description}</p>}
        {!isLatest && (
          <p className="text-sm text-amber-800">
            You are looking at an older version (read only).{' '}
            <TextButton onClick={() => setVersion(undefined)}>Back to the latest</TextButton>
          </p>
        )}
      </header>

      {ownDraft && (
        <DraftBar
          hasDraft={draft.hasDraft}
          state={draft.state}
          baseVersion={draft.draft?.baseVersion}
          latestVersion={p.latestVersion}
          general={draft.problems.general}
          busy={draft.publishing || draft.discarding || !live}
          error={draft.error}
          onSave={async () => {
            const result = await draft.publish().catch(() => null);
            if (result) setPublished(result);
          }}
          onDiscard={() => void draft.discard().catch(() => null)}
        />
      )}
      {published && <PublishedDiff published={published} onClose={() => setPublished(null)} />}

      <ParamsForm
        params={spec.params}
        itemsParam={spec.items.source === 'param' ? spec.items.param : undefined}
        canRun={editable}
        live={live}
        note={draft.hasDraft ? 'A run uses the saved version, not your draft.' : undefined}
        pending={trigger.isPending}
        error={trigger.error}
        onRun={(params) => trigger.mutate({ pipelineSlug: slug, params })}
      />

      <div className="flex flex-wrap items-center gap-3 text-sm">
        <span className="flex items-center gap-2 text-stone-600">
          Item
          <TextInput
            list="notebook-items"
            value={item}
            onChange={(e) => setItem(e.target.value)}
            readOnly={!live}
            aria-label="Item to run cells on"
            className="w-48 font-mono text-sm"
          />
        </span>
        <datalist id="notebook-items">
          {knownItems.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <span className="text-stone-500">
          {Object.keys(stored).length
            ? "each cell's latest output on this item, from the pipeline's runs and cell runs"
            : outputs.isSuccess
              ? 'nothing has run on this item yet: run the pipeline, or run a cell'
              : ''}
        </span>
        {outputs.isError && <ErrorText className="w-full">{outputs.error.message}</ErrorText>}
        {runError && <ErrorText className="w-full">{runError}</ErrorText>}
      </div>

      <ol className="space-y-4">
        {spec.steps.map((step, i) => {
          const cellRun = cellRuns[step.id];
          const output = stored[step.id];
          const live =
            cellRun && cellRun.itemKey === item && !(cellRun.ended && output?.runId === cellRun.runId) ? cellRun : null;
          const busy = chainRunning || (runCell.isPending && runCell.variables?.stepId === step.id);
          return (
            <li key={step.id}>
              <NotebookCell
                index={i + 1}
                step={step}
                others={runnableIds.filter((id) => id !== step.id)}
                editable={editable}
                first={i === 0}
                last={i === spec.steps.length - 1}
                problems={draft.problems.cells[step.id] ?? []}
                item={item}
                canRun={editable}
                running={busy}
                actions={{
                  edit: (change) => editSteps((steps) => steps.map((s) => (s.id === step.id ? change(s) : s))),
                  rename: (id) => id && id !== step.id && draft.edit((s) => renamed(s, step.id, id)),
                  move: (by) => editSteps((steps) => moved(steps, i, by)),
                  remove: () => editSteps((steps) => steps.filter((s) => s.id !== step.id)),
                  addBelow: (kind) => editSteps((steps) => withNewCell(steps, i, kind)),
                  run: () => void runOne(step.id),
                  runBelow: () => void runBelow(i),
                }}
              >
                {live ? (
                  <CellRunOutput
                    key={live.runId}
                    runId={live.runId}
                    itemKey={live.itemKey}
                    stepId={step.id}
                    onEnded={() => cellRunEnded(step.id, live.runId)}
                  />
                ) : output && step.kind !== 'markdown' ? (
                  <StoredCellOutput stepId={step.id} output={output} stale={outputs.isPlaceholderData} />
                ) : null}
              </NotebookCell>
            </li>
          );
        })}
      </ol>

      <Versions slug={slug} current={p.version} onView={setVersion} />
    </section>
  );
}

function DraftBar({
  hasDraft,
  state,
  baseVersion,
  latestVersion,
  general,
  busy,
  error,
  onSave,
  onDiscard,
}: {
  hasDraft: boolean;
  state: SaveState;
  baseVersion: number | undefined;
  latestVersion: number;
  general: string[];
  busy: boolean;
  error: { message: string } | null;
  onSave: () => void;
  onDiscard: () => void;
}) {
  if (!hasDraft)
    return (
      <p className="text-sm text-stone-500" data-testid="draft-bar">
        Edit any cell to start your draft: nothing changes for runs or schedules until you save it as a version.
      </p>
    );
  return (
    <div
      className="sticky top-0 z-10 space-y-1 rounded border border-amber-300 bg-amber-50 px-4 py-2 text-sm"
      data-testid="draft-bar"
    >
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-medium text-amber-900">Draft — unsaved changes</span>
        <span className="text-xs text-stone-600" data-testid="draft-state">
          {STATE_WORDS[state]}
        </span>
        <div className="ml-auto flex gap-2">
          <Button size="sm" onClick={onSave} disabled={busy || state === 'refused'}>
            Save as v{latestVersion + 1}
          </Button>
          <Button variant="secondary" size="sm" onClick={onDiscard} disabled={busy}>
            Discard
          </Button>
        </div>
      </div>
      {baseVersion !== undefined && baseVersion < latestVersion && (
        <p className="text-xs text-amber-800">
          Your draft started from v{baseVersion}; v{latestVersion} was saved since. Saving yours replaces it.
        </p>
      )}
      {general.map((g) => (
        <ErrorText key={g} className="text-xs">
          {g}
        </ErrorText>
      ))}
      {error && <ErrorText className="text-xs">{error.message}</ErrorText>}
    </div>
  );
}

const STATE_WORDS: Record<SaveState, string> = {
  idle: 'kept as your draft',
  saving: 'keeping…',
  stored: 'kept as your draft',
  refused: 'not kept: fix the problems shown at the cells',
  failed: 'not kept: could not reach the server',
};

/** The default of the items param. */
function defaultItems(spec: PipelineSpec | undefined): string[] {
  if (spec?.items.source !== 'param') return [];
  const value = spec.params[spec.items.param]?.default;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function renamed(spec: PipelineSpec, from: string, to: string): PipelineSpec {
  return {
    ...spec,
    steps: spec.steps.map((s) => ({
      ...s,
      id: s.id === from ? to : s.id,
      needs: s.needs.map((n) => (n === from ? to : n)),
    })),
    items: spec.items.source === 'step' && spec.items.step === from ? { ...spec.items, step: to } : spec.items,
  };
}

function moved(steps: StepSpec[], index: number, by: -1 | 1): StepSpec[] {
  const to = index + by;
  if (to < 0 || to >= steps.length) return steps;
  const copy = [...steps];
  [copy[index], copy[to]] = [copy[to]!, copy[index]!];
  return copy;
}

/** A new cell below `index`: a code cell needs the nearest cell above it that runs on items. */
function withNewCell(steps: StepSpec[], index: number, kind: NewCellKind): StepSpec[] {
  const taken = new Set(steps.map((s) => s.id));
  const prefix = kind === 'markdown' ? 'notes' : kind;
  let n = 1;
  while (taken.has(`${prefix}-${n}`)) n++;
  const above = steps
    .slice(0, index + 1)
    .reverse()
    .find(runsOnItems);
  const cell =
    kind === 'markdown'
      ? stepSpecSchema.parse({ id: `${prefix}-${n}`, kind, markdown: '' })
      : stepSpecSchema.parse({ id: `${prefix}-${n}`, kind, code: '', needs: above ? [above.id] : [] });
  return [...steps.slice(0, index + 1), cell, ...steps.slice(index + 1)];
}
