'use client';
// One cell of the grid in detail: every attempt with its error and log (tailed live while it runs), what it displayed
// (tables, images, charts...), the JSON result, and the files the step produced (images shown, text and JSON on
// request). Editors can retry the item.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isLiveStep, isRetryableItem, type ItemStatus } from '~/common/statuses';
import { formatDuration, StatusBadge } from './status';
import { useCanEdit } from './who-am-i';
import { Button, TextButton } from './forms';
import { CellOutputs } from './outputs/cell-outputs';
import { Card, ErrorText, Loading } from './ui';
import { useTRPC } from '../_trpc/client';

/** live: keep polling until the step has an attempt that finished (a cell run just started); compact: no title. */
export function StepPanel({
  runId,
  itemKey,
  stepId,
  stepTitle,
  itemStatus,
  runActive,
  live = false,
  compact = false,
}: {
  runId: string;
  itemKey: string;
  stepId: string;
  stepTitle: string;
  /** The item's status; '' for a run-level step or a notebook cell. */
  itemStatus: ItemStatus | '';
  runActive: boolean;
  live?: boolean;
  compact?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
  const attempts = useQuery(
    trpc.runs.attempts.queryOptions(
      { runId, itemKey, stepId },
      {
        refetchInterval: (q) => {
          const list = q.state.data?.attempts ?? [];
          if (list.some((a) => isLiveStep(a.status))) return 1_000;
          return live && list.length === 0 ? 2_000 : false;
        },
      },
    ),
  );
  const retry = useMutation(
    trpc.runs.retryItem.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.runs.board.queryKey({ runId }) }),
    }),
  );

  return (
    <Card as="aside" className="space-y-3 p-4 text-sm" aria-live="polite" aria-label={`${itemKey} ${stepTitle}`}>
      <div className="flex items-center gap-3">
        {!compact && (
          <h2 className="font-medium">
            {itemKey || 'run-level'} · {stepTitle}
          </h2>
        )}
        {canEdit && !runActive && itemStatus !== '' && isRetryableItem(itemStatus) && (
          <Button className="ml-auto" disabled={retry.isPending} onClick={() => retry.mutate({ runId, itemKey })}>
            Retry this item
          </Button>
        )}
      </div>
      {retry.error && <ErrorText>{retry.error.message}</ErrorText>}
      {attempts.isPending ? (
        <Loading />
      ) : attempts.isError ? (
        <ErrorText>{attempts.error.message}</ErrorText>
      ) : attempts.data.attempts.length === 0 ? (
        <p className="text-stone-500">This step has not started for this item.</p>
      ) : (
        <>
          <p className="text-stone-600">Attempts: {attempts.data.attempts.length}</p>
          <ol className="space-y-3">
            {attempts.data.attempts.map((a, i) => (
              <li key={a.attempt} className="rounded border border-stone-200 p-3">
                <div className="flex flex-wrap items-center gap-3">
                  <span className="font-medium">Attempt {a.attempt}</span>
                  <StatusBadge status={a.status} />
                  <span className="text-stone-500">
                    {a.queue.toUpperCase()} · {a.worker ?? 'no worker yet'}
                  </span>
                  <span className="text-stone-500">
                    {a.endedMs
                      ? formatDuration(a.endedMs - a.startedMs)
                      : `running for ${formatDuration(Date.now() - a.startedMs)}`}
                  </span>
                </div>
                {a.error && (
                  <p className="mt-2 whitespace-pre-wrap text-red-800" data-testid="attempt-error">
                    {a.error}
                  </p>
                )}
                {a.log && (
                  <pre
                    className="mt-2 max-h-64 overflow-auto rounded bg-stone-900 p-2 text-xs text-stone-100"
                    data-testid="attempt-log"
                    role="log"
                    aria-label={`Log of attempt ${a.attempt}`}
                  >
                    {a.logTruncated ? '… (earlier output cut)\n' : ''}
                    {a.log}
                  </pre>
                )}
                {a.displays.length > 0 &&
                  (i === 0 ? (
                    <div className="mt-2" data-testid="attempt-outputs">
                      <CellOutputs displays={a.displays} runId={runId} />
                    </div>
                  ) : (
                    // an earlier attempt's outputs, folded: the latest one's are what the step produced
                    <details className="mt-2">
                      <summary className="cursor-pointer text-stone-600">Outputs ({a.displays.length})</summary>
                      <CellOutputs displays={a.displays} runId={runId} />
                    </details>
                  ))}
                {a.result !== null && a.result !== undefined && (
                  <details className="mt-2">
                    <summary className="cursor-pointer text-stone-600">Result</summary>
                    <pre className="overflow-auto rounded bg-stone-50 p-2 text-xs">
                      {JSON.stringify(a.result, null, 2)}
                    </pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
          {attempts.data.files.length > 0 && <Files files={attempts.data.files} />}
        </>
      )}
    </Card>
  );
}

function Files({
  files,
}: {
  files: { id: string; name: string; size: number; contentType: string; url: string; sha256: string }[];
}) {
  const [open, setOpen] = useState<string | null>(null);
  const images = files.filter((f) => f.contentType.startsWith('image/')).slice(0, 24);
  const others = files.filter((f) => !f.contentType.startsWith('image/'));
  return (
    <section className="space-y-2">
      <h3 className="font-medium">Files ({files.length})</h3>
      {images.length > 0 && (
        <div className="flex flex-wrap gap-2">
          {images.map((f) => (
            // eslint-disable-next-line @next/next/no-img-element
            <a
              key={f.id}
              href={f.url}
              target="_blank"
              rel="noreferrer"
              title={`${f.name} · sha256 ${f.sha256.slice(0, 12)}`}
            >
              {/* biome-ignore lint/performance/noImgElement: artifacts are served behind the session cookie; next/image
                  would proxy and cache them */}
              <img
                src={f.url}
                alt={f.name}
                className="h-24 w-24 rounded border border-stone-200 object-cover"
                loading="lazy"
              />
            </a>
          ))}
        </div>
      )}
      <ul className="space-y-1">
        {others.map((f) => (
          <li key={f.id}>
            <TextButton onClick={() => setOpen(open === f.id ? null : f.id)} aria-expanded={open === f.id}>
              {f.name}
            </TextButton>{' '}
            <span className="text-stone-500">
              {f.contentType} · {f.size} bytes
            </span>{' '}
            <a className="text-stone-500 underline" href={f.url} download>
              download
            </a>
            {open === f.id && <FileContent id={f.id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function FileContent({ id }: { id: string }) {
  const trpc = useTRPC();
  const file = useQuery(trpc.runs.artifact.queryOptions({ id }));
  if (!file.data) return file.isError ? <ErrorText>{file.error.message}</ErrorText> : <Loading />;
  const c = file.data.content;
  const text =
    c.kind === 'json'
      ? JSON.stringify(c.value, null, 2)
      : c.kind === 'text'
        ? c.text
        : c.kind === 'download'
          ? c.reason
          : '';
  return (
    <pre className="mt-1 max-h-64 overflow-auto rounded bg-stone-50 p-2 text-xs" data-testid="file-content">
      {text}
    </pre>
  );
}
