'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { scheduleInWords } from '~/common/schedule-words';
import { useTRPC } from '../_trpc/client';
import { StatusBadge, statusColour } from '../_components/status';
import { useCanEdit } from '../_components/who-am-i';

export default function PipelinesPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
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

  if (pipelines.isPending) return <p className="text-stone-500">Loading pipelines…</p>;
  if (pipelines.isError)
    return (
      <p role="alert" className="text-red-700">
        Could not load pipelines: {pipelines.error.message}
      </p>
    );
  if (pipelines.data.length === 0)
    return (
      <p className="text-stone-600">
        No pipelines yet. Register one with <code>npm run setup</code> or the CLI.
      </p>
    );

  return (
    <section>
      <h1 className="mb-4 text-2xl font-semibold">Pipelines</h1>
      {trigger.isError && (
        <p role="alert" className="mb-4 rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          {trigger.error.message}
        </p>
      )}
      <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
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
                  <span key={t} className="rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-800">
                    {t}
                  </span>
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
                            ? `next ${new Date(s.nextFireTimes[0]).toLocaleString('en-GB', { timeZone: s.timezone, dateStyle: 'medium', timeStyle: 'short' })}`
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
              <button
                type="button"
                onClick={() => trigger.mutate({ pipelineSlug: p.slug, params: {} })}
                disabled={trigger.isPending}
                className="rounded-md bg-amber-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-500 disabled:opacity-50"
              >
                Run now
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
