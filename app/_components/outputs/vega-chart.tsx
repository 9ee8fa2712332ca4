'use client';
// A Vega-Lite chart, drawn by vega-embed. The library is imported when a chart first shows, so pages without charts
// do not load it. A chart takes its data inline: it fetches nothing and opens no links (a cell's spec is not trusted).
import { useEffect, useRef, useState } from 'react';
import type { Loader } from 'vega';
import type { VisualizationSpec } from 'vega-embed';
import { ErrorText } from '../ui';

const refuse = (uri: string): Promise<never> =>
  Promise.reject(new Error(`a chart takes its data inline; "${uri}" is not fetched`));

/** Vega's loader fetches data files, images and link targets: a chart here gets none of them. */
const inlineOnly: Loader = { load: refuse, sanitize: refuse, http: refuse, file: refuse };

export function VegaChart({ spec, label }: { spec: Record<string, unknown>; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let gone = false;
    let finalize: (() => void) | undefined;
    setError(null);
    (async () => {
      const { default: embed } = await import('vega-embed');
      if (gone) return;
      // usermeta.embedOptions would let the spec turn the embed's options (actions, loader) back on
      const { usermeta: _usermeta, ...chart } = spec;
      const result = await embed(element, chart as VisualizationSpec, {
        mode: 'vega-lite',
        actions: false,
        renderer: 'svg',
        loader: inlineOnly,
      });
      if (gone) result.finalize();
      else finalize = result.finalize;
    })().catch((err: unknown) => {
      if (!gone) setError(err instanceof Error ? err.message : String(err));
    });
    return () => {
      gone = true;
      finalize?.();
    };
  }, [spec]);
  return (
    <figure aria-label={label} className="space-y-1">
      <div ref={box} className="max-w-full overflow-x-auto" data-testid="vega-chart" />
      {error && <ErrorText className="text-sm">This chart could not be drawn: {error}</ErrorText>}
    </figure>
  );
}
