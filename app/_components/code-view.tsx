'use client';
// Code to read, not edit (a model version's files): one tab per file, each highlighted by the notebook's CodeMirror
// setup made read-only. Only the open tab has an editor; a long file scrolls inside its panel.
import { type KeyboardEvent, useId, useRef, useState } from 'react';
import type { CodeLanguage } from '../pipelines/[slug]/code-editor';
import { CodeMirrorEditor, type FocusRequest } from '../pipelines/[slug]/codemirror-editor';

export interface CodeFile {
  path: string;
  text: string;
}

function languageOf(file: string): CodeLanguage {
  if (file.endsWith('.py')) return 'python';
  if (file.endsWith('.sh')) return 'shell';
  if (file.endsWith('.md')) return 'markdown';
  return 'plain';
}

/** `label` names the whole ("Code of v3"); each tab is named by its file's path. */
export function CodeView({ files, label }: { files: CodeFile[]; label: string }) {
  const [open, setOpen] = useState(0);
  const id = useId();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  // read-only: nothing asks for the caret
  const focus = useRef<FocusRequest | null>(null);
  if (files.length === 0) return <p className="text-sm text-stone-500">No code.</p>;
  const shown = Math.min(open, files.length - 1);
  const file = files[shown]!;

  // arrows move between tabs, as a tab list's keys do
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? files.length - 1 : (shown + step + files.length) % files.length;
    if (!step && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    setOpen(to);
    tabs.current[to]?.focus();
  };

  return (
    <div className="min-w-0 space-y-1" data-testid="code-view">
      <div role="tablist" aria-label={label} className="flex flex-wrap gap-1 text-xs" onKeyDown={onKeyDown}>
        {files.map((f, i) => (
          <button
            key={f.path}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${i}`}
            aria-selected={i === shown}
            aria-controls={`${id}-panel`}
            tabIndex={i === shown ? 0 : -1}
            onClick={() => setOpen(i)}
            className={
              i === shown
                ? 'rounded-t border border-b-0 border-stone-300 bg-white px-2 py-1 font-mono text-stone-900'
                : 'rounded-t px-2 py-1 font-mono text-stone-500 hover:text-stone-900'
            }
          >
            {f.path}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${id}-panel`}
        aria-labelledby={`${id}-tab-${shown}`}
        className="max-h-[32rem] overflow-auto"
        data-path={file.path}
      >
        <CodeMirrorEditor
          key={file.path}
          value={file.text}
          language={languageOf(file.path)}
          label={`${file.path} (read-only)`}
          readOnly
          focus={focus}
        />
      </div>
    </div>
  );
}
