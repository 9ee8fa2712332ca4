'use client';
// What changed between two versions: each spec path with its value before and after; code and text cells line by
// line when the change came from a published draft.
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { Change } from '~/common/spec-diff';
import type { DiffLine, SkippedLines } from '~/common/text-diff';
import type { AppRouter } from '~/server/api/root';
import { useTRPC } from '../../_trpc/client';

export type Published = inferRouterOutputs<AppRouter>['drafts']['publish'];

export function VersionDiff({ slug, from, to }: { slug: string; from: number; to: number }) {
  const trpc = useTRPC();
  const diff = useQuery(trpc.pipelines.diff.queryOptions({ slug, from, to }, { enabled: from >= 1 }));
  if (from < 1) return null;
  if (!diff.data) return <p className="text-xs text-stone-500">Loading the diff…</p>;
  return (
    <div className="rounded border border-emerald-200 bg-emerald-50 p-2 text-xs" data-testid="version-diff">
      <p className="font-medium">
        Changes from v{from} to v{to}:
      </p>
      <SpecChanges changes={diff.data.changes} />
    </div>
  );
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? '';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

export function SpecChanges({ changes }: { changes: Change[] }) {
  return (
    <ul className="font-mono">
      {changes.map((c) => (
        <li key={c.path}>
          {c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'} {c.path}:{' '}
          {c.kind !== 'added' ? short(c.before) : ''}
          {c.kind === 'changed' ? ' → ' : ''}
          {c.kind !== 'removed' ? short(c.after) : ''}
        </li>
      ))}
      {changes.length === 0 && <li>no other changes</li>}
    </ul>
  );
}

const LINE_STYLE: Record<DiffLine['kind'], string> = {
  added: 'bg-emerald-100 text-emerald-900',
  removed: 'bg-red-100 text-red-900',
  same: 'text-stone-600',
};
const LINE_MARK: Record<DiffLine['kind'], string> = { added: '+', removed: '−', same: ' ' };

/** A published draft: the new version, each changed cell's lines, then the rest of the spec's changes. */
export function PublishedDiff({ published, onClose }: { published: Published; onClose: () => void }) {
  const { version, created, from, diff } = published;
  return (
    <section
      className="space-y-2 rounded border border-emerald-200 bg-emerald-50 p-3 text-xs"
      data-testid="publish-diff"
      aria-label="What the save changed"
    >
      <div className="flex items-center gap-2">
        <p className="font-medium">
          {created ? `Saved as v${version}. Changes from v${from}:` : `Nothing changed: v${version} stays the latest.`}
        </p>
        <button type="button" className="ml-auto underline" onClick={onClose}>
          close
        </button>
      </div>
      {diff.cells.map((cell) => (
        <div key={cell.id} className="space-y-1" data-testid={`cell-diff-${cell.id}`}>
          <p>
            <span className="font-mono font-medium">{cell.id}</span> ({cell.kind}, {cell.change}):{' '}
            <span className="text-emerald-800">+{cell.diff.added}</span>{' '}
            <span className="text-red-800">−{cell.diff.removed}</span>
          </p>
          <pre className="overflow-x-auto rounded border border-stone-200 bg-white font-mono">
            {cell.diff.lines.map((line, i) => (
              // a diff's lines never reorder
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <DiffRow key={i} line={line} />
            ))}
          </pre>
        </div>
      ))}
      {created && <SpecChanges changes={diff.changes} />}
    </section>
  );
}

function DiffRow({ line }: { line: DiffLine | SkippedLines }) {
  if (line.kind === 'skipped')
    return (
      <div className="px-2 text-stone-400">
        ⋯ {line.count} unchanged line{line.count === 1 ? '' : 's'}
      </div>
    );
  return (
    <div className={`px-2 ${LINE_STYLE[line.kind]}`}>
      {LINE_MARK[line.kind]} {line.text}
    </div>
  );
}
