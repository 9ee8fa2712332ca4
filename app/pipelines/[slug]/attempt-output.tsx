'use client';
// What one attempt of a cell produced, as it shows under the cell whether stored or streaming: the end of its log,
// its error, its displays (tables, images, charts…) and its JSON result.
import type { Display } from '../../_components/outputs/cell-outputs';
import { CellOutputs } from '../../_components/outputs/cell-outputs';

export function AttemptOutput({
  stepId,
  runId,
  log,
  logTruncated,
  error,
  displays,
  result,
}: {
  stepId: string;
  runId: string;
  log: string;
  logTruncated: boolean;
  error: string | null;
  displays: Display[];
  result: unknown;
}) {
  return (
    <>
      {log && (
        <pre
          className="max-h-72 overflow-auto rounded bg-stone-900 p-2 text-xs text-stone-100"
          role="log"
          aria-label={`Log of ${stepId}`}
          data-testid="cell-log"
        >
          {logTruncated ? '… (earlier output cut)\n' : ''}
          {log}
        </pre>
      )}
      {error && (
        <p className="whitespace-pre-wrap text-xs text-red-800" data-testid="cell-error">
          {error}
        </p>
      )}
      <CellOutputs displays={displays} runId={runId} />
      {result !== null && result !== undefined && (
        <details className="text-xs" open>
          <summary className="cursor-pointer text-stone-600">Result</summary>
          <pre className="overflow-auto rounded bg-white p-2" data-testid="cell-result">
            {JSON.stringify(result, null, 2)}
          </pre>
        </details>
      )}
    </>
  );
}

/** The files it kept: images as thumbnails, others to download. */
export function Files({
  files,
  total,
}: {
  files: { id: string; name: string; contentType: string; url: string }[];
  /** How many it kept, when more than those given. */
  total: number;
}) {
  return (
    <div className="space-y-1 text-xs">
      <p className="text-stone-600">
        Files ({total}){total > files.length ? `: the first ${files.length}, the rest on the run page` : ''}
      </p>
      <ul className="flex flex-wrap gap-2">
        {files.slice(0, 50).map((f) => (
          <li key={f.id}>
            {f.contentType.startsWith('image/') ? (
              <a href={f.url} target="_blank" rel="noreferrer" title={f.name}>
                {/* biome-ignore lint/performance/noImgElement: artifacts are served behind the session cookie */}
                <img src={f.url} alt={f.name} loading="lazy" className="h-16 w-16 rounded border object-cover" />
              </a>
            ) : (
              <a className="underline" href={f.url} download>
                {f.name}
              </a>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
