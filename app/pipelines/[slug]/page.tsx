'use client';
// A pipeline as a notebook: params as a form at the top, then one cell per step (kind, queue, model, retry
// policy, command) with, under it, that step's latest output for the chosen item. Editors edit a cell (saved as a
// new version, with its diff), run the pipeline with params, or run one cell on its own for one item.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { PipelineSpec } from '~/common/pipeline-spec';
import { StatusBadge } from '../../_components/status';
import { StepPanel } from '../../_components/step-panel';
import { useCanEdit } from '../../_components/who-am-i';
import { Field, Select, TextButton } from '../../_components/forms';
import { Chip, ErrorText, LoadError, Loading, PageTitle, TextLink } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';
import { ParamsForm } from './params-form';
import { StepCell } from './step-cell';
import { Versions } from './versions';

export default function PipelineNotebook() {
  const { slug } = useParams<{ slug: string }>();
  const trpc = useTRPC();
  const router = useRouter();
  const canEdit = useCanEdit();
  const queryClient = useQueryClient();
  const [version, setVersion] = useState<number | undefined>(undefined);
  const pipeline = useQuery(trpc.pipelines.get.queryOptions({ slug, version }));
  const latestRun = useQuery(
    trpc.runs.list.queryOptions({ pipelineSlug: slug, limit: 20 }, { refetchInterval: 3_000 }),
  );
  const lastRun = latestRun.data?.runs.find((r) => r.trigger !== 'dev');
  const board = useQuery(
    trpc.runs.board.queryOptions(
      { runId: lastRun?.id ?? '00000000-0000-7000-8000-000000000000' },
      { enabled: !!lastRun, refetchInterval: 3_000 },
    ),
  );
  const [item, setItem] = useState('');
  const [cellRuns, setCellRuns] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!item && board.data?.keys.length) setItem(board.data.keys[0]!);
  }, [board.data, item]);
  const trigger = useMutation(
    trpc.runs.trigger.mutationOptions({ onSuccess: ({ runId }) => router.push(`/runs/${runId}`) }),
  );
  const runCell = useMutation(
    trpc.runs.runCell.mutationOptions({
      onSuccess: ({ runId }, input) => setCellRuns((c) => ({ ...c, [input.stepId]: runId })),
    }),
  );

  if (pipeline.isPending) return <Loading what="pipeline" />;
  if (pipeline.isError) return <LoadError what="pipeline" error={pipeline.error} />;
  const p = pipeline.data;
  const spec = p.spec as PipelineSpec;
  const isLatest = p.version === p.latestVersion;
  const onSaved = async (v: number) => {
    setVersion(undefined);
    await queryClient.invalidateQueries({ queryKey: trpc.pipelines.get.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.pipelines.versions.queryKey({ slug }) });
    return v;
  };

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
            You are looking at an older version.{' '}
            <TextButton onClick={() => setVersion(undefined)}>Back to the latest</TextButton>
          </p>
        )}
      </header>

      <ParamsForm
        params={spec.params}
        itemsParam={spec.items.source === 'param' ? spec.items.param : undefined}
        canRun={canEdit && isLatest}
        pending={trigger.isPending}
        error={trigger.error}
        onRun={(params) => trigger.mutate({ pipelineSlug: slug, params })}
      />

      <div className="flex flex-wrap items-center gap-3 text-sm">
        <Field inline label={<span className="text-stone-600">Outputs of item</span>}>
          <Select value={item} onChange={(e) => setItem(e.target.value)} aria-label="Item to show outputs of">
            {(board.data?.keys ?? []).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </Select>
        </Field>
        <span className="text-stone-500">
          {lastRun
            ? `from the latest run (${lastRun.status})`
            : 'no run yet: run the pipeline to see outputs under each cell'}
        </span>
        {runCell.error && <ErrorText className="w-full">{runCell.error.message}</ErrorText>}
      </div>

      <ol className="space-y-4">
        {spec.steps.map((step, i) => (
          <li key={step.id}>
            <StepCell
              index={i + 1}
              step={step}
              spec={spec}
              editable={canEdit && isLatest}
              onSaved={onSaved}
              canRunCell={canEdit && isLatest && step.scope === 'item' && step.kind !== 'sensor' && !!item}
              onRunCell={() => runCell.mutate({ pipelineSlug: slug, stepId: step.id, itemKey: item })}
              runningCell={runCell.isPending && runCell.variables?.stepId === step.id}
            >
              {cellRuns[step.id] ? (
                <div className="space-y-1">
                  <p className="text-xs text-stone-500">
                    This cell on its own for {item} (
                    <Link className="underline" href={`/runs/${cellRuns[step.id]}`}>
                      cell run
                    </Link>
                    ):
                  </p>
                  <StepPanel
                    key={cellRuns[step.id]}
                    runId={cellRuns[step.id]!}
                    itemKey={item}
                    stepId={step.id}
                    stepTitle={step.title ?? step.id}
                    itemStatus=""
                    runActive
                    live
                  />
                </div>
              ) : lastRun && (step.scope !== 'item' || item) ? (
                <StepPanel
                  key={`${lastRun.id}/${item}/${step.id}`}
                  runId={lastRun.id}
                  itemKey={step.scope === 'item' ? item : ''}
                  stepId={step.id}
                  stepTitle={step.title ?? step.id}
                  itemStatus=""
                  runActive
                  live
                  compact
                />
              ) : null}
            </StepCell>
          </li>
        ))}
      </ol>

      <Versions slug={slug} current={p.version} onView={setVersion} />
    </section>
  );
}
