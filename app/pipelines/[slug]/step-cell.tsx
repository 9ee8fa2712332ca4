'use client';
// One step as a notebook cell: what it is and how it runs; editors edit its definition (JSON) and save it as a
// new version of the pipeline, shown with its diff.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { PipelineSpec, StepSpec } from '~/common/pipeline-spec';
import { Button, FormError, TextArea } from '../../_components/forms';
import { Card, Chip, ErrorText } from '../../_components/ui';
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
    <Card as="article" aria-labelledby={`cell-${step.id}`} data-testid={`cell-${step.id}`}>
      <header className="flex flex-wrap items-center gap-2 border-b border-stone-100 px-4 py-2">
        <span className="font-mono text-xs text-stone-400">[{index}]</span>
        <h3 id={`cell-${step.id}`} className="font-medium">
          {step.title ?? step.id}
        </h3>
        <Chip tone="stone">{step.kind}</Chip>
        <Chip tone={step.queue === 'gpu' ? 'violet' : 'grey'}>{step.queue.toUpperCase()}</Chip>
        {step.scope !== 'item' && <Chip tone="sky">run-level · {step.scope}</Chip>}
        {step.model && (
          <Chip tone="amber">
            model{' '}
            {'alias' in step.model
              ? `${step.model.name}@${step.model.alias}`
              : `${step.model.name} v${(step.model as { version: number }).version}`}
          </Chip>
        )}
        <div className="ml-auto flex gap-2">
          {canRunCell && (
            <Button
              variant="outline"
              size="sm"
              onClick={onRunCell}
              disabled={runningCell}
              aria-label={`Run cell ${step.id} on its own`}
            >
              ▶ Run cell
            </Button>
          )}
          {editable && !editing && (
            <Button
              variant="secondary"
              size="sm"
              onClick={() => {
                setText(JSON.stringify(step, null, 2));
                setEditing(true);
              }}
              aria-label={`Edit cell ${step.id}`}
            >
              Edit
            </Button>
          )}
        </div>
      </header>
      <div className="space-y-2 px-4 py-3 text-sm">
        {editing ? (
          <div className="space-y-2">
            <label className="sr-only" htmlFor={`edit-${step.id}`}>
              Definition of {step.id}
            </label>
            <TextArea
              id={`edit-${step.id}`}
              value={text}
              onChange={(e) => setText(e.target.value)}
              rows={Math.min(24, text.split('\n').length + 1)}
              className="w-full p-2"
            />
            {parseError ? <ErrorText>{parseError}</ErrorText> : <FormError error={push.error} />}
            <div className="flex gap-2">
              <Button onClick={() => void save()} disabled={push.isPending}>
                Save as a new version
              </Button>
              <Button variant="secondary" onClick={() => setEditing(false)}>
                Cancel
              </Button>
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
            {/* biome-ignore format: its JSX text fill would put a line past 120 columns */}
            <p className="text-xs text-stone-500">
              {step.needs.length ? `needs ${step.needs.join(', ')} · ` : ''}retry {step.retry.maxAttempts}×{' '}
              (backoff {step.retry.initialIntervalMs} ms × {step.retry.backoffCoefficient}) · timeout{' '}
              {Math.round(step.timeouts.startToCloseMs / 1000)} s
            </p>
          </>
        )}
        {saved && <VersionDiff slug={spec.slug} from={saved.from} to={saved.to} />}
        {children}
      </div>
    </Card>
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
