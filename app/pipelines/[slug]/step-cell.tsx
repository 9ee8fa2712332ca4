'use client';
// One step as a notebook cell: what it is and how it runs; editors edit its definition (JSON) and save it as a
// new version of the pipeline, shown with its diff.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { PipelineSpec, StepSpec } from '~/common/pipeline-spec';
import { useTRPC } from '../../_trpc/client';

export function StepCell({
  index,
  step,
  spec,
  editable,
  onSaved,
  canRunCell,
  onRunCell,
  runningCell,
  children,
}: {
  index: number;
  step: StepSpec;
  spec: PipelineSpec;
  editable: boolean;
  onSaved: (version: number) => Promise<number>;
  canRunCell: boolean;
  onRunCell: () => void;
  runningCell: boolean;
  children?: ReactNode;
}) {
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ from: number; to: number } | null>(null);
  const push = useMutation(trpc.pipelines.push.mutationOptions());
  const fields = (push.error?.data as { fields?: { path: (string | number)[]; message: string }[] } | undefined)
    ?.fields;

  const save = async () => {
    let edited: unknown;
    try {
      edited = JSON.parse(text);
    } catch (err) {
      setParseError(`not valid JSON: ${(err as Error).message}`);
      return;
    }
    setParseError(null);
    const steps = spec.steps.map((s) => (s.id === step.id ? edited : s));
    const pushed = await push.mutateAsync({ spec: { ...spec, steps } }).catch(() => null);
    if (!pushed) return;
    setEditing(false);
    await onSaved(pushed.version);
    setSaved({ from: pushed.version - 1, to: pushed.version });
  };

  return (
    <article
      className="rounded-lg border border-stone-200 bg-white"
      aria-labelledby={`cell-${step.id}`}
      data-testid={`cell-${step.id}`}
    >
      <header className="flex flex-wrap items-center gap-2 border-b border-stone-100 px-4 py-2">
        <span className="font-mono text-xs text-stone-400">[{index}]</span>
        <h3 id={`cell-${step.id}`} className="font-medium">
          {step.title ?? step.id}
        </h3>
        <span className="rounded bg-stone-100 px-1.5 py-0.5 text-xs text-stone-700">{step.kind}</span>
        <span
          className={`rounded px-1.5 py-0.5 text-xs ${step.queue === 'gpu' ? 'bg-violet-100 text-violet-800' : 'bg-stone-200 text-stone-700'}`}
        >
          {step.queue.toUpperCase()}
        </span>
        {step.scope !== 'item' && (
          <span className="rounded bg-sky-50 px-1.5 py-0.5 text-xs text-sky-800">run-level · {step.scope}</span>
        )}
        {step.model && (
          <span className="rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-800">
            model{' '}
            {'alias' in step.model
              ? `${step.model.name}@${step.model.alias}`
              : `${step.model.name} v${(step.model as { version: number }).version}`}
          </span>
        )}
        <div className="ml-auto flex gap-2">
          {canRunCell && (
            <button
              type="button"
              onClick={onRunCell}
              disabled={runningCell}
              className="rounded border border-amber-700 px-2 py-0.5 text-xs text-amber-800 hover:bg-amber-50"
              aria-label={`Run cell ${step.id} on its own`}
            >
              ▶ Run cell
            </button>
          )}
          {editable && !editing && (
            <button
              type="button"
              className="rounded border border-stone-300 px-2 py-0.5 text-xs"
              onClick={() => {
                setText(JSON.stringify(step, null, 2));
                setEditing(true);
              }}
              aria-label={`Edit cell ${step.id}`}
            >
              Edit
            </button>
          )}
        </div>
      </header>
      <div className="space-y-2 px-4 py-3 text-sm">
        {editing ? (
          <div className="space-y-2">
            <label className="sr-only" htmlFor={`edit-${step.id}`}>
              Definition of {step.id}
            </label>
            <textarea
              id={`edit-${step.id}`}
              value={text}
              onChange={(e) => setText(e.target.value)}
              rows={Math.min(24, text.split('\n').length + 1)}
              className="w-full rounded border border-stone-300 p-2 font-mono text-xs"
            />
            {(parseError ?? push.error) && (
              <p role="alert" className="text-red-700">
                {parseError ??
                  (fields?.length
                    ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ')
                    : push.error?.message)}
              </p>
            )}
            <div className="flex gap-2">
              <button
                type="button"
                onClick={() => void save()}
                disabled={push.isPending}
                className="rounded bg-amber-700 px-3 py-1 text-white"
              >
                Save as a new version
              </button>
              <button
                type="button"
                onClick={() => setEditing(false)}
                className="rounded border border-stone-300 px-3 py-1"
              >
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <>
            {step.command && (
              <pre className="overflow-x-auto rounded bg-stone-50 p-2 font-mono text-xs">
                {step.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}
              </pre>
            )}
            {step.builtin && <p className="font-mono text-xs">builtin {step.builtin}</p>}
            {step.sensor && (
              <p className="font-mono text-xs">
                waits for {JSON.stringify(step.sensor.check)} · every {step.sensor.pokeIntervalMs / 1000} s · up to{' '}
                {step.sensor.timeoutMs / 1000} s, then {step.sensor.onTimeout}
              </p>
            )}
            <p className="text-xs text-stone-500">
              {step.needs.length ? `needs ${step.needs.join(', ')} · ` : ''}retry {step.retry.maxAttempts}× (backoff{' '}
              {step.retry.initialIntervalMs} ms × {step.retry.backoffCoefficient}) · timeout{' '}
              {Math.round(step.timeouts.startToCloseMs / 1000)} s
            </p>
          </>
        )}
        {saved && <VersionDiff slug={spec.slug} from={saved.from} to={saved.to} />}
        {children}
      </div>
    </article>
  );
}

export function VersionDiff({ slug, from, to }: { slug: string; from: number; to: number }) {
  const trpc = useTRPC();
  const diff = useQuery(trpc.pipelines.diff.queryOptions({ slug, from, to }, { enabled: from >= 1 }));
  if (from < 1) return null;
  if (!diff.data) return <p className="text-xs text-stone-500">Loading the diff…</p>;
  return (
    <div className="rounded border border-emerald-200 bg-emerald-50 p-2 text-xs" data-testid="version-diff">
      <p className="font-medium">
        Saved as v{to}. Changes from v{from}:
      </p>
      <ul className="font-mono">
        {diff.data.changes.map((c) => (
          <li key={c.path}>
            {c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'} {c.path}:{' '}
            {c.kind !== 'added' ? JSON.stringify(c.before) : ''}
            {c.kind === 'changed' ? ' → ' : ''}
            {c.kind !== 'removed' ? JSON.stringify(c.after) : ''}
          </li>
        ))}
        {diff.data.changes.length === 0 && <li>no changes</li>}
      </ul>
    </div>
  );
}
