'use client';
// What a cell displayed, in order: one renderer per kind (table, image, Vega-Lite chart, Markdown, JSON, text).
import type { Display, DisplayKind } from '~/common/displays';
import { ImageOutput } from './image-output';
import { JsonTree } from './json-tree';
import { MarkdownText } from './markdown-text';
import { TableOutput } from './table-output';
import { TextOutput } from './text-output';
import { VegaChart } from './vega-chart';

export type { Display } from '~/common/displays';

const KIND_WORDS: Record<DisplayKind, string> = {
  table: 'table',
  image: 'image',
  'vega-lite': 'chart',
  markdown: 'text',
  json: 'JSON',
  text: 'text',
};

function Output({ display, label }: { display: Display; label: string }) {
  switch (display.kind) {
    case 'table':
      return <TableOutput table={display} />;
    case 'image':
      return <ImageOutput image={display} />;
    case 'vega-lite':
      return <VegaChart spec={display.spec} label={label} />;
    case 'markdown':
      return <MarkdownText text={display.text} />;
    case 'json':
      return <JsonTree value={display.value} />;
    case 'text':
      return <TextOutput text={display.text} />;
    default: {
      const unknownKind: never = display;
      return unknownKind;
    }
  }
}

/** A cell's displays, one after another; nothing when it displayed nothing. */
export function CellOutputs({ displays, runId }: { displays: Display[]; runId: string }) {
  if (displays.length === 0) return null;
  return (
    <div className="space-y-3" data-testid="cell-outputs" data-run-id={runId}>
      {displays.map((display, i) => {
        const label = `Output ${i + 1} (${KIND_WORDS[display.kind]})`;
        return (
          // displays only ever grow at the end: a display is its position
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <section key={i} aria-label={label} data-kind={display.kind} className="min-w-0">
            <Output display={display} label={label} />
          </section>
        );
      })}
    </div>
  );
}
