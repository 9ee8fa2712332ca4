'use client';
// Schedules across pipelines: in words with their time zone, next fires and recent fires; pause and resume
// with a note; a backfill of a past time range.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { scheduleInWords } from '~/common/schedule-words';
import { Button, Field, FormError, InlineForm, TextButton, TextInput } from '../_components/forms';
import { CardList, Chip, ErrorText, LoadError, Loading, PageTitle, TextLink } from '../_components/ui';
import { useCanEdit } from '../_components/who-am-i';
import { useTRPC } from '../_trpc/client';

export default function SchedulesPage() {
  const trpc = useTRPC();
  const canEdit = useCanEdit();
  const schedules = useQuery(trpc.schedules.list.queryOptions({}, { refetchInterval: 5_000 }));
  if (schedules.isPending) return <Loading what="schedules" />;
  if (schedules.isError) return <LoadError what="schedules" error={schedules.error} />;
  return (
    <section className="space-y-4">
      <PageTitle>Schedules</PageTitle>
      {schedules.data.length === 0 ? (
        <p className="text-stone-600">
          No schedules yet. Add one to a pipeline's spec (schedules: [{'{'} name, cron, timezone {'}'}]).
        </p>
      ) : (
        <CardList>
          {schedules.data.map((s) => (
            <ScheduleRow key={s.id} schedule={s} canEdit={canEdit} />
          ))}
        </CardList>
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
        <Chip tone={s.paused ? 'grey' : 'emerald'} data-testid="schedule-state">
          {s.paused ? 'paused' : 'active'}
        </Chip>
        {s.note && <span className="text-xs text-stone-500">“{s.note}”</span>}
        {canEdit && (
          <div className="ml-auto flex items-center gap-2">
            <label className="sr-only" htmlFor={`note-${s.id}`}>
              Note for {s.name}
            </label>
            <TextInput
              id={`note-${s.id}`}
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="note (optional)"
              className="text-sm"
            />
            {s.paused ? (
              <Button variant="success" onClick={() => unpause.mutate({ id: s.id, note })}>
                Resume
              </Button>
            ) : (
              <Button variant="secondary" onClick={() => pause.mutate({ id: s.id, note })}>
                Pause
              </Button>
            )}
            <TextButton className="text-sm" onClick={() => setBackfill(!backfill)} aria-expanded={backfill}>
              Backfill…
            </TextButton>
          </div>
        )}
      </div>
      {error && <ErrorText className="text-sm">{error.message}</ErrorText>}
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
        · <TextLink href={`/runs?pipeline=${s.pipeline.slug}`}>runs</TextLink>
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
  return (
    <InlineForm
      nested
      onSubmit={(e) => {
        e.preventDefault();
        backfill.mutate({ id, start: new Date(start), end: new Date(end) });
      }}
    >
      <Field label="From">
        <TextInput type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />
      </Field>
      <Field label="To">
        <TextInput type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />
      </Field>
      <Button type="submit" disabled={backfill.isPending}>
        Start backfill
      </Button>
      <FormError error={backfill.error} className="w-full" />
    </InlineForm>
  );
}
