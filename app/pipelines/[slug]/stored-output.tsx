'use client';
// A cell's stored output for the item shown, as a saved Jupyter notebook shows its outputs: its latest attempt
// among the pipeline's runs (cell runs included), read with every other cell's in one query (notebooks.outputs).
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import type { AppRouter } from '~/server/api/root';
import { formatDuration, StatusBadge } from '../../_components/status';
import { AttemptOutput, Files } from './attempt-output';
import { useLive } from './use-live';

export type StoredOutput = inferRouterOutputs<AppRouter>['notebooks']['outputs']['cells'][string];

export function StoredCellOutput({ stepId, output, stale }: { stepId: string; output: StoredOutput; stale: boolean }) {
  const ran = output.endedAt ?? output.startedAt;
  const live = useLive();
  return (
    <section
      className={`space-y-2 rounded border border-stone-200 bg-stone-50/50 p-3 text-sm ${stale ? 'opacity-50' : ''}`}
      aria-label={`Output of ${stepId} for ${output.itemKey || 'the run'}`}
      data-testid={`cell-stored-output-${stepId}`}
      data-run-id={output.runId}
    >
      <div className="flex flex-wrap items-center gap-2 text-xs text-stone-600">
        <span>
          {output.trigger === 'dev' ? 'Cell run' : 'Run'}
          {output.itemKey ? (
            <>
              {' '}
              on <span className="font-mono">{output.itemKey}</span>
            </>
          ) : (
            ' (run-level)'
          )}
        </span>
        <StatusBadge status={output.status} />
        <span>
          Attempts: {output.attempt}
          {output.endedAt ? ` · ${formatDuration(output.endedAt.getTime() - output.startedAt.getTime())}` : ''}
        </span>
        {/* the visitor's clock and locale, once the page is live (the server's until then) */}
        <time dateTime={ran.toISOString()}>
          {live ? ran.toLocaleString() : `${ran.toISOString().slice(0, 16).replace('T', ' ')} UTC`}
        </time>
        <Link className="ml-auto underline" href={`/runs/${output.runId}`}>
          run page
        </Link>
      </div>
      <AttemptOutput
        stepId={stepId}
        runId={output.runId}
        log={output.log}
        logTruncated={output.logTruncated}
        error={output.error}
        displays={output.displays}
        result={output.result}
      />
      {output.files.length > 0 && <Files files={output.files} total={output.fileCount} />}
      {output.metrics.length > 0 && (
        <div className="space-y-1 text-xs" data-testid="cell-metrics">
          <p className="text-stone-600">Metrics</p>
          <ul className="space-y-1">
            {output.metrics.map((m) => (
              <li key={m.name}>
                <span className="font-mono">{m.name}</span>: {String(m.last)}
                {m.lastStep !== null ? ` (step ${m.lastStep})` : ''}
                {` · ${m.count} value${m.count === 1 ? '' : 's'}, min ${m.min}, max ${m.max}`}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
