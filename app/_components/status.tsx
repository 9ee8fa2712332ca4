// Status colours shared by every page: one for every run, item and step status (a missing one does not compile).
import type { Status } from '~/common/statuses';

const COLOURS: Record<Status, string> = {
  succeeded: 'bg-emerald-500',
  failed: 'bg-red-500',
  partially_failed: 'bg-orange-500',
  running: 'bg-sky-500 animate-pulse',
  retrying: 'bg-amber-400 animate-pulse',
  waiting: 'bg-sky-200',
  queued: 'bg-stone-300',
  pending: 'bg-stone-200',
  cancelled: 'bg-stone-400',
  skipped: 'bg-stone-100 ring-1 ring-inset ring-stone-300',
  lost: 'bg-purple-400',
};

export function statusColour(status: Status): string {
  return COLOURS[status];
}

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span
      className={
        'inline-flex items-center gap-1.5 rounded-full bg-stone-100 px-2 py-0.5 ' + 'text-xs font-medium text-stone-700'
      }
    >
      <span className={`h-2 w-2 rounded-full ${statusColour(status)}`} aria-hidden />
      {status.replace('_', ' ')}
    </span>
  );
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const s = Math.round(ms / 1_000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
