'use client';
// A table a cell displayed: its true size, the rows it carries (the first ones of a larger table), sortable by any
// column (click a header: ascending, then descending, then as written).
import { useMemo, useState } from 'react';
import type { TableDisplay } from '~/common/displays';
import { cx } from '../ui';

type CellValue = TableDisplay['rows'][number][number];

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** The words under a table: "1,000 rows × 3 columns · the first 100 shown". */
export function tableShapeText(table: TableDisplay): string {
  const [rows, columns] = table.shape ?? [table.rows.length, table.columns.length];
  const size = `${plural(rows, 'row')} × ${plural(columns, 'column')}`;
  const cut = [
    rows > table.rows.length ? `the first ${plural(table.rows.length, 'row')} shown` : '',
    columns > table.columns.length ? `the first ${plural(table.columns.length, 'column')} shown` : '',
  ].filter(Boolean);
  return cut.length ? `${size} · ${cut.join(', ')}` : size;
}

// numbers before strings before booleans before anything else; empty cells last whichever way the sort goes
const RANK = { number: 0, string: 1, boolean: 2, object: 3 } as const;
function compareCells(a: CellValue, b: CellValue): number {
  const ra = RANK[typeof a as keyof typeof RANK] ?? 3;
  const rb = RANK[typeof b as keyof typeof RANK] ?? 3;
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, undefined, { numeric: true });
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

const isEmpty = (v: CellValue | undefined) => v === null || v === undefined;

function cellText(v: CellValue | undefined): string {
  if (isEmpty(v)) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(8)));
  return JSON.stringify(v);
}

export function TableOutput({ table }: { table: TableDisplay }) {
  const [sort, setSort] = useState<{ column: number; descending: boolean } | null>(null);
  const rows = useMemo(() => {
    if (!sort) return table.rows;
    const { column, descending } = sort;
    return [...table.rows].sort((x, y) => {
      const a = x[column];
      const b = y[column];
      if (isEmpty(a) || isEmpty(b)) return Number(isEmpty(a)) - Number(isEmpty(b));
      return descending ? compareCells(b!, a!) : compareCells(a!, b!);
    });
  }, [table.rows, sort]);
  const nextSort = (column: number) =>
    setSort((s) =>
      s?.column !== column ? { column, descending: false } : s.descending ? null : { column, descending: true },
    );
  const numeric = table.columns.map((_, c) => table.rows.every((r) => isEmpty(r[c]) || typeof r[c] === 'number'));

  return (
    <div className="space-y-1">
      <div className="max-h-[32rem] overflow-auto rounded border border-stone-200">
        <table className="w-full bg-white text-xs" data-testid="table-output">
          <thead className="sticky top-0 bg-stone-100 text-left text-stone-600">
            <tr>
              {table.columns.map((name, c) => (
                <th
                  // columns may repeat a name
                  // biome-ignore lint/suspicious/noArrayIndexKey: a column is its position
                  key={c}
                  scope="col"
                  aria-sort={sort?.column === c ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                  className={cx('p-0 font-medium', numeric[c] && 'text-right')}
                >
                  <button
                    type="button"
                    onClick={() => nextSort(c)}
                    className={cx('w-full px-2 py-1 hover:bg-stone-200', numeric[c] ? 'text-right' : 'text-left')}
                    title={`Sort by ${name}`}
                  >
                    {name}
                    <span aria-hidden className="ml-1 text-stone-400">
                      {sort?.column === c ? (sort.descending ? '▼' : '▲') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="font-mono">
            {rows.map((row, r) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
              <tr key={r} className="border-t border-stone-100">
                {table.columns.map((_, c) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a cell is its position
                  <td key={c} className={cx('px-2 py-1 align-top', numeric[c] && 'text-right')}>
                    {isEmpty(row[c]) ? <span className="text-stone-400">—</span> : cellText(row[c])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-stone-500" data-testid="table-shape">
        {tableShapeText(table)}
      </p>
    </div>
  );
}
