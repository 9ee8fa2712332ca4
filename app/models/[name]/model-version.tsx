'use client';
// One version of a model as its page shows it: weights, memory, its code (read-only, a tab per file), its pinned
// requirements, the runs that used it and what it produced lately (their displays and results). Only an opened
// version draws its code and outputs: a model of many versions opens quickly.
import { useId, useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '~/server/api/root';
import { CodeView } from '../../_components/code-view';
import { CellOutputs } from '../../_components/outputs/cell-outputs';
import { JsonTree, type JsonValue } from '../../_components/outputs/json-tree';
import { Card, Chip, TextLink } from '../../_components/ui';

export type ModelVersion = inferRouterOutputs<AppRouter>['models']['get']['versions'][number];

/** Runs listed under a version before "and N more". */
const RUNS_SHOWN = 10;

export function ModelVersionCard({
  version: v,
  aliases,
  initiallyOpen,
}: {
  version: ModelVersion;
  /** The aliases pointing at this version. */
  aliases: string[];
  initiallyOpen: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const body = useId();
  const metrics = Object.entries(v.metrics as Record<string, number>);
  return (
    <Card as="article" className="space-y-3 p-4" data-testid={`version-${v.version}`}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="font-medium">
          <button
            type="button"
            aria-expanded={open}
            aria-controls={body}
            onClick={() => setOpen((o) => !o)}
            className="hover:underline"
          >
            <span aria-hidden>{open ? '▾' : '▸'}</span> Version {v.version}
          </button>
        </h3>
        {aliases.map((a) => (
          <Chip key={a} tone="amber">
            {a}
          </Chip>
        ))}
        <span className="text-xs text-stone-500">registered {new Date(v.createdAt).toLocaleString()}</span>
      </div>

      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-stone-600">Weights</dt>
        <dd className="break-all font-mono text-xs" data-testid="weights-uri">
          {v.artifactUri}
        </dd>
        <dt className="text-stone-600">GPU memory</dt>
        <dd data-testid="memory">{v.memoryMb ? `${v.memoryMb.toLocaleString('en-US')} MB` : 'not stated'}</dd>
        <dt className="text-stone-600">Served by</dt>
        <dd>
          {v.entrypoint ? (
            <>
              its own code, <code className="text-xs">{v.entrypoint}</code>
            </>
          ) : (
            <>
              the <code className="text-xs">{v.framework}</code> runner
            </>
          )}
          {v.entrypoint && v.framework ? <span className="text-stone-500"> · {v.framework}</span> : null}
        </dd>
        {metrics.length > 0 && (
          <>
            <dt className="text-stone-600">Metrics</dt>
            <dd className="font-mono text-xs">{metrics.map(([k, n]) => `${k} ${n}`).join(' · ')}</dd>
          </>
        )}
        {v.producedByRunId && (
          <>
            <dt className="text-stone-600">Trained by</dt>
            <dd>
              <TextLink href={`/runs/${v.producedByRunId}`}>run {v.producedByRunId.slice(0, 8)}</TextLink>
            </dd>
          </>
        )}
        <dt className="text-stone-600">Used by</dt>
        <dd data-testid="used-by">
          {v.usedBy.length === 0
            ? 'no runs yet'
            : v.usedBy.slice(0, RUNS_SHOWN).map((u) => (
                <TextLink key={u.runId} href={`/runs/${u.runId}`} className="mr-2">
                  {u.pipeline} {new Date(u.at).toLocaleDateString()}
                </TextLink>
              ))}
          {v.usedBy.length > RUNS_SHOWN ? ` and ${v.usedBy.length - RUNS_SHOWN} more` : ''}
        </dd>
      </dl>

      {open && (
        <div id={body} className="space-y-4">
          <section className="space-y-1">
            <h4 className="text-sm font-medium">Code</h4>
            {v.code.length ? (
              <CodeView files={v.code} label={`Code of v${v.version}`} />
            ) : (
              <p className="text-sm text-stone-500">No code of its own: served by runners/{v.framework}/runner.py.</p>
            )}
          </section>

          <section className="space-y-1">
            <h4 className="text-sm font-medium">Requirements</h4>
            {v.requirements.length ? (
              <ul className="flex flex-wrap gap-2 font-mono text-xs" aria-label={`Requirements of v${v.version}`}>
                {v.requirements.map((r) => (
                  <li key={r} className="rounded bg-stone-100 px-1.5 py-0.5">
                    {r}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-stone-500">None beyond the runners' packages.</p>
            )}
          </section>

          <section className="space-y-2">
            <h4 className="text-sm font-medium">Sample outputs</h4>
            {v.samples.length === 0 && (
              <p className="text-sm text-stone-500">
                No outputs yet: no run with this version has shown or returned any.
              </p>
            )}
            {v.samples.map((s) => (
              <Card
                as="figure"
                key={`${s.runId}-${s.item}-${s.step}-${s.attempt}`}
                className="space-y-2 p-3"
                data-testid="model-sample"
              >
                <figcaption className="text-xs text-stone-600">
                  <TextLink href={`/runs/${s.runId}`}>{s.pipeline}</TextLink> · step {s.step} · item {s.item}
                  {s.at ? ` · ${new Date(s.at).toLocaleString()}` : ''}
                </figcaption>
                <CellOutputs displays={s.displays} runId={s.runId} />
                {s.result !== null && s.result !== undefined && (
                  <div className="space-y-1">
                    <p className="text-xs text-stone-600">Result</p>
                    <JsonTree value={s.result as JsonValue} />
                  </div>
                )}
              </Card>
            ))}
          </section>
        </div>
      )}
    </Card>
  );
}
