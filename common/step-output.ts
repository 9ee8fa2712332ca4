// Limits on what a step hands the next one through Temporal. Pure: used by the worker and the spec docs.

/**
 * A step's JSON result travels in Temporal payloads (activity result, child workflow input), whose limit is
 * 2 MiB per payload (4 MiB per request): results are kept far below it, so many of them fit in one input.
 */
export const STEP_RESULT_MAX_BYTES = 64 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Null when a serialised result fits; otherwise the reason, for an error that also names the step. */
export function stepResultSizeProblem(bytes: number): string | null {
  if (bytes <= STEP_RESULT_MAX_BYTES) return null;
  return (
    `its result is ${formatBytes(bytes)}; a step result may be at most ${formatBytes(STEP_RESULT_MAX_BYTES)} ` +
    '(write larger outputs as files in its output directory: they go to the artifact store)'
  );
}

/** The value at a dotted path inside a result ({in.crawl.result.count}); undefined when absent. */
export function resultAt(result: unknown, path: string[]): unknown {
  let value = result;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
