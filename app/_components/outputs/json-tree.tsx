'use client';
// A JSON value as a tree: objects and arrays fold (the first levels open), and long ones show their first entries
// then "… N more", so a large value stays quick to open. Folded branches are not rendered at all.
import { useState } from 'react';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Entries of an object or array shown at first, and how many more each "… N more" click adds. */
export const JSON_FIRST_ENTRIES = 50;
const OPEN_LEVELS = 2;

export function JsonTree({ value }: { value: JsonValue }) {
  return (
    <div className="overflow-x-auto font-mono text-xs" data-testid="json-tree">
      <JsonNode name={null} value={value} depth={0} />
    </div>
  );
}

function JsonNode({ name, value, depth }: { name: string | null; value: JsonValue; depth: number }) {
  const [open, setOpen] = useState(depth < OPEN_LEVELS);
  const [shown, setShown] = useState(JSON_FIRST_ENTRIES);
  const label = name !== null && <span className="text-stone-600">{name}: </span>;
  if (value === null || typeof value !== 'object')
    return (
      <div className="pl-4">
        {label}
        <Scalar value={value} />
      </div>
    );
  const isList = Array.isArray(value);
  const entries: [string, JsonValue][] = isList ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = isList
    ? `[${entries.length} item${entries.length === 1 ? '' : 's'}]`
    : `{${entries.length} key${entries.length === 1 ? '' : 's'}}`;
  return (
    <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)} className="pl-4">
      <summary className="-ml-4 cursor-pointer select-none">
        {label}
        <span className="text-stone-500">{summary}</span>
      </summary>
      {open && (
        <div className="border-l border-stone-200">
          {entries.slice(0, shown).map(([key, child]) => (
            <JsonNode key={key} name={key} value={child} depth={depth + 1} />
          ))}
          {entries.length > shown && (
            <button
              type="button"
              className="pl-4 text-amber-800 underline"
              onClick={() => setShown((n) => n + JSON_FIRST_ENTRIES)}
            >
              … {entries.length - shown} more
            </button>
          )}
        </div>
      )}
    </details>
  );
}

function Scalar({ value }: { value: string | number | boolean | null }) {
  if (value === null) return <span className="text-stone-400">null</span>;
  if (typeof value === 'string') return <span className="whitespace-pre-wrap text-emerald-800">"{value}"</span>;
  if (typeof value === 'number') return <span className="text-sky-800">{value}</span>;
  return <span className="text-violet-800">{String(value)}</span>;
}
