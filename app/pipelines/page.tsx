'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { scheduleInWords } from '~/common/schedule-words';
import { useTRPC } from '../_trpc/client';
import { StatusBadge, statusColour } from '../_components/status';
import { useCanEdit } from '../_components/who-am-i';
import { Button } from '../_components/forms';
import { CardList, Chip, ErrorBox, LoadError, Loading, PageTitle } from '../_components/ui';
import { ImportNotebook } from './import-notebook';

export default function PipelinesPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
  const [importing, setImporting] = useState(false);
  const pipelines = useQuery(trpc.pipelines.list.queryOptions(undefined, { refetchInterval: 5_000 }));
  const schedules = useQuery(trpc.schedules.list.queryOptions({}, { refetchInterval: 10_000 }));
  const refreshSchedules = () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey() });
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refreshSchedules }));
  const unpause = useMutation(trpc.schedules.unpause.mutationOptions({ onSuccess: refreshSchedules }));
  const trigger = useMutation(
    trpc.runs.trigger.mutationOptions({
      onSuccess: async ({ runId }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.pipelines.list.queryKey() });
        router.push(`/runs/${runId}`);
      },
    }),
  );

  if (pipelines.isPending) return <Loading what="pipelines" />;
  if (pipelines.isError) return <LoadError what="pipelines" error={pipelines.error} />;
  return (
    <section>
      <div className="mb-4 flex items-center gap-4">
        <PageTitle>Pipelines</PageTitle>
        {canEdit && !importing && (
          <Button variant="outline" size="sm" onClick={() => setImporting(true)}>
            Import .ipynb
          </Button>
        )}
      </div>
      {importing && <ImportNotebook onClose={() => setImporting(false)} />}
      {pipelines.data.length === 0 && (
        <p className="text-stone-600">
          No pipelines yet. Register one with <code>npm run setup</code> or the CLI, or import a Jupyter notebook.
        </p>
      )}
      {trigger.isError && <ErrorBox className="mb-4">{trigger.error.message}</ErrorBox>}
      <CardList>
        {pipelines.data.map((p) => (
          <li key={p.slug} className="flex items-center gap-6 p-4" data-testid={`pipeline-${p.slug}`}>
            <div className="min-w-0 flex-1">
              <div className="flex items-center gap-2">
                <h2 className="font-medium">
                  <Link href={`/pipelines/${p.slug}`} className="hover:underline">
                    {p.name}
                  </Link>
                </h2>
                <span className="font-mono text-xs text-stone-500">
                  {p.slug} · v{p.latestVersion}
                </span>
              </div>
              <p className="truncate text-sm text-stone-600">{p.description}</p>
              <div className="mt-1 flex gap-1">
                {p.tags.map((t) => (
                  <Chip key={t} tone="amber">
                    {t}
                  </Chip>
                ))}
              </div>
              <ul className="mt-1 space-y-0.5 text-xs text-stone-600">
                {(schedules.data ?? [])
                  .filter((s) => s.pipeline.slug === p.slug)
                  .map((s) => (
                    <li key={s.id} className="flex items-center gap-2">
                      <span>⏰ {scheduleInWords(s)}</span>
                      <span>
                        ·{' '}
                        {s.paused
                          ? 'paused'
                          : s.nextFireTimes[0]
                            ? `next ${new Date(s.nextFireTimes[0]).toLocaleString('en-GB', {
                                timeZone: s.timezone,
                                dateStyle: 'medium',
                                timeStyle: 'short',
                              })}`
                            : 'no next run'}
                      </span>
                      {canEdit && (
                        <label className="inline-flex items-center gap-1">
                          <input
                            type="checkbox"
                            checked={!s.paused}
                            onChange={(e) => (e.target.checked ? unpause : pause).mutate({ id: s.id, note: '' })}
                            aria-label={`Schedule ${s.name} of ${p.name} active`}
                          />
                          active
                        </label>
                      )}
                    </li>
                  ))}
              </ul>
            </div>
            <nav className="flex gap-1" aria-label="Last 10 runs">
              {p.recentRuns.map((r) => (
                <Link
                  key={r.id}
                  href={`/runs/${r.id}`}
                  title={`${r.status} · ${new Date(r.createdAt).toLocaleString()}`}
                  className={`h-4 w-4 rounded-sm ${statusColour(r.status)}`}
                >
                  <span className="sr-only">
                    <StatusBadge status={r.status} />
                  </span>
                </Link>
              ))}
            </nav>
            {canEdit && (
              <Button
                size="lg"
                onClick={() => trigger.mutate({ pipelineSlug: p.slug, params: {} })}
                disabled={trigger.isPending}
              >
                Run now
              </Button>
            )}
          </li>
        ))}
      </CardList>
    </section>
  );
}
