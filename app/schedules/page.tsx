'use client';
// Schedules across pipelines: in words with their time zone, next fires and recent fires; pause and resume
// with a note; a backfill of a past time range.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { scheduleInWords } from '~/common/schedule-words';
import { useCanEdit } from '../_components/who-am-i';
import { useTRPC } from '../_trpc/client';

export default function SchedulesPage() {
  const trpc = useTRPC();
  const canEdit = useCanEdit();
  const schedules = useQuery(trpc.schedules.list.queryOptions({}, { refetchInterval: 5_000 }));
  if (schedules.isPending) return <p className="text-stone-500">Loading schedules…</p>;
  if (schedules.isError)
    return (
      <p role="alert" className="text-red-700">
        Could not load schedules: {schedules.error.message}
      </p>
    );
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Schedules</h1>
      {schedules.data.length === 0 ? (
        <p className="text-stone-600">
          No schedules yet. Add one to a pipeline's spec (schedules: [{'{'} name, cron, timezone {'}'}]).
        </p>
      ) : (
        <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
          {schedules.data.map((s) => (
            <ScheduleRow key={s.id} schedule={s} canEdit={canEdit} />
          ))}
        </ul>
      )}
    </section>
  );
}

type Schedule = {
  id: string;
  name: string;
  cron: string | null;
  every: string | null;
  timezone: string;
  paused: boolean;
  note: string;
  inTemporal: boolean;
  pipeline: { slug: string; name: string };
  nextFireTimes: Date[];
  recentFires: { scheduledAt: Date; takenAt: Date }[];
};

function ScheduleRow({ schedule: s, canEdit }: { schedule: Schedule; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const [backfill, setBackfill] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey() });
  const pause = useMutation(trpc.schedules.pause.mutationOptions({ onSuccess: refresh }));
  const unpause = useMutation(trpc.schedules.unpause.mutationOptions({ onSuccess: refresh }));
  const error = pause.error ?? unpause.error;
  const fmt = (d: Date) =>
    new Date(d).toLocaleString('en-GB', { timeZone: s.timezone, dateStyle: 'medium', timeStyle: 'short' });
  return (
    <li className="space-y-2 p-4" data-testid={`schedule-${s.pipeline.slug}-${s.name}`}>
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-medium">
          {s.pipeline.name} · {s.name}
        </h2>
        <span className="text-sm text-stone-600">{scheduleInWords(s)}</span>
        <span
          className={`rounded px-1.5 py-0.5 text-xs ${s.paused ? 'bg-stone-200 text-stone-700' : 'bg-emerald-100 text-emerald-800'}`}
          data-testid="schedule-state"
        >
          {s.paused ? 'paused' : 'active'}
        </span>
        {s.note && <span className="text-xs text-stone-500">“{s.note}”</span>}
        {canEdit && (
          <div className="ml-auto flex items-center gap-2">
            <label className="sr-only" htmlFor={`note-${s.id}`}>
              Note for {s.name}
            </label>
            <input
              id={`note-${s.id}`}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="note (optional)"
              className="rounded border border-stone-300 px-2 py-1 text-sm"
            />
            {s.paused ? (
              <button
                type="button"
                className="rounded bg-emerald-700 px-3 py-1 text-sm text-white"
                onClick={() => unpause.mutate({ id: s.id, note })}
              >
                Resume
              </button>
            ) : (
              <button
                type="button"
                className="rounded border border-stone-300 px-3 py-1 text-sm"
                onClick={() => pause.mutate({ id: s.id, note })}
              >
                Pause
              </button>
            )}
            <button
              type="button"
              className="text-sm text-amber-800 underline"
              onClick={() => setBackfill(!backfill)}
              aria-expanded={backfill}
            >
              Backfill…
            </button>
          </div>
        )}
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error.message}
        </p>
      )}
      <p className="text-sm text-stone-600">
        Next:{' '}
        {s.paused
          ? 'none while paused'
          : s.nextFireTimes.length
            ? s.nextFireTimes.slice(0, 3).map(fmt).join(' · ')
            : s.inTemporal
              ? 'none'
              : 'not yet in Temporal'}
      </p>
      <p className="text-sm text-stone-600">
        Recent fires:{' '}
        {s.recentFires.length
          ? s.recentFires
              .slice(-5)
              .reverse()
              .map((f) => fmt(f.scheduledAt))
              .join(' · ')
          : 'none yet'}{' '}
        ·{' '}
        <Link className="text-amber-800 underline" href={`/runs?pipeline=${s.pipeline.slug}`}>
          runs
        </Link>
      </p>
      {backfill && <BackfillForm id={s.id} onDone={() => setBackfill(false)} />}
    </li>
  );
}

function BackfillForm({ id, onDone }: { id: string; onDone: () => void }) {
  const trpc = useTRPC();
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const backfill = useMutation(trpc.schedules.backfill.mutationOptions({ onSuccess: onDone }));
  const fields = (backfill.error?.data as { fields?: { path: string[]; message: string }[] } | undefined)?.fields;
  return (
    <form
      className="flex flex-wrap items-end gap-3 rounded border border-stone-200 bg-stone-50 p-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        backfill.mutate({ id, start: new Date(start), end: new Date(end) });
      }}
    >
      <label className="flex flex-col gap-1">
        From{' '}
        <input
          type="datetime-local"
          required
          value={start}
          onChange={(e) => setStart(e.target.value)}
          className="rounded border border-stone-300 px-2 py-1"
        />
      </label>
      <label className="flex flex-col gap-1">
        To{' '}
        <input
          type="datetime-local"
          required
          value={end}
          onChange={(e) => setEnd(e.target.value)}
          className="rounded border border-stone-300 px-2 py-1"
        />
      </label>
      <button type="submit" className="rounded bg-amber-700 px-3 py-1 text-white" disabled={backfill.isPending}>
        Start backfill
      </button>
      {backfill.error && (
        <p role="alert" className="w-full text-red-700">
          {fields?.length ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ') : backfill.error.message}
        </p>
      )}
    </form>
  );
}
