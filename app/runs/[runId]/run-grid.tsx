// biome-ignore-all lint/a11y/useSemanticElements: a windowed ARIA grid of divs; a <table> cannot be virtualised
// this way
// biome-ignore-all lint/a11y/useFocusableInteractive: focus moves through the cells' buttons, not the rows
'use client';
// The items × steps grid. Only the rows in view are rendered (fixed row height, a spacer above and below), so
// a run of 5,000 items scrolls as smoothly as one of 12.
import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ItemStatus, StepStatus } from '~/common/statuses';
import { statusColour } from '../../_components/status';
import { Card } from '../../_components/ui';

export interface GridStep {
  id: string;
  title: string;
  queue: string;
}
export interface GridItem {
  key: string;
  status: ItemStatus;
  /** Steps not started yet are absent (shown as pending). */
  steps: Record<string, { status: StepStatus; attempts: number } | undefined>;
}

const ROW = 30;
const OVERSCAN = 10;

function useViewportHeight(): number {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener('resize', cb);
      return () => window.removeEventListener('resize', cb);
    },
    () => window.innerHeight,
    () => 900,
  );
}

export function RunGrid({
  steps,
  items,
  onSelect,
  selected,
}: {
  steps: GridStep[];
  items: GridItem[];
  onSelect: (item: string, step: string) => void;
  selected?: { item: string; step: string } | null;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = Math.min(items.length * ROW + ROW, Math.round(useViewportHeight() * 0.6));
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const visible = useMemo(() => items.slice(first, last), [items, first, last]);
  const columns = `minmax(10rem, 14rem) repeat(${steps.length}, minmax(4.5rem, 1fr))`;

  return (
    <Card>
      <div
        className="grid border-b border-stone-200 bg-stone-100 text-left text-sm text-stone-600"
        style={{ gridTemplateColumns: columns }}
        role="row"
      >
        <div className="p-2 font-medium" role="columnheader">
          Item
        </div>
        {steps.map((s) => (
          <div key={s.id} className="truncate p-2 font-medium" role="columnheader" title={s.title}>
            {s.title}{' '}
            <span
              className={
                `ml-1 rounded px-1 text-[10px] ` +
                `${s.queue === 'gpu' ? 'bg-violet-100 text-violet-800' : 'bg-stone-200 text-stone-700'}`
              }
            >
              {s.queue.toUpperCase()}
            </span>
          </div>
        ))}
      </div>
      {items.length === 0 ? (
        <p className="p-4 text-sm text-stone-500">No items match.</p>
      ) : (
        <div
          ref={scroller}
          data-testid="run-grid"
          className="overflow-auto"
          style={{ height }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          role="grid"
          aria-rowcount={items.length}
        >
          <div style={{ height: items.length * ROW, position: 'relative' }}>
            <div style={{ transform: `translateY(${first * ROW}px)` }}>
              {visible.map((item, i) => (
                <div
                  key={item.key}
                  className="grid border-t border-stone-100 text-sm"
                  style={{ gridTemplateColumns: columns, height: ROW }}
                  data-testid={`item-${item.key}`}
                  role="row"
                  aria-rowindex={first + i + 1}
                >
                  <div className="flex items-center gap-2 truncate px-2" role="rowheader">
                    <span className={`h-2 w-2 shrink-0 rounded-full ${statusColour(item.status)}`} aria-hidden />
                    <span className="truncate">{item.key}</span>
                  </div>
                  {steps.map((s) => {
                    const c = item.steps[s.id];
                    const status = c?.status ?? 'pending';
                    const isSelected = selected?.item === item.key && selected.step === s.id;
                    return (
                      <div key={s.id} className="flex items-center px-1" role="gridcell">
                        <button
                          type="button"
                          aria-label={`${item.key} ${s.title}: ${status}`}
                          title={`${status}${c && c.attempts > 1 ? ` (attempt ${c.attempts})` : ''}`}
                          data-status={status}
                          onClick={() => onSelect(item.key, s.id)}
                          className={
                            `h-5 w-full rounded ${statusColour(status)} ${isSelected ? 'ring-2 ring-amber-600' : ''} ` +
                            'focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-500'
                          }
                        >
                          {c && c.attempts > 1 ? (
                            <span className="text-[10px] font-semibold text-white">×{c.attempts}</span>
                          ) : null}
                        </button>
                      </div>
                    );
                  })}
                </div>
              ))}
            </div>
          </div>
        </div>
      )}
    </Card>
  );
}
