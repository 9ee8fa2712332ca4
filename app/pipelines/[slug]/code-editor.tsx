'use client';
// A cell's code: shown at once as plain lines laid out like the editor's, and replaced by the real editor
// (CodeMirror) when the cell comes near the screen or is clicked or focused first. A notebook of many cells shows
// all its code without making an editor for each; a click on the code gives the editor at once (before the next
// key), focused, its caret where the click was.
import { useEffect, useRef, useState } from 'react';
import { CodeMirrorEditor, type FocusRequest } from './codemirror-editor';

export type CodeLanguage = 'python' | 'shell' | 'markdown' | 'plain';

interface EditorProps {
  value: string;
  language: CodeLanguage;
  /** Names the editor for assistive technology ("Code of load"). */
  label: string;
  readOnly?: boolean;
  onChange?: (value: string) => void;
  /** Make the editor at once, focused (a Markdown cell opened for editing). */
  autoFocus?: boolean;
}

// as the editor's theme has it
const CODE_FONT = 'ui-monospace, SFMono-Regular, Menlo, monospace';

/** How far outside the screen a cell's editor is made ahead of scrolling to it. */
const AHEAD = '300px 0px';

export function CodeEditor({ value, language, label, readOnly = false, onChange, autoFocus = false }: EditorProps) {
  const [wanted, setWanted] = useState(autoFocus);
  const focus = useRef<FocusRequest | null>(autoFocus ? 'end' : null);
  const shown = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (wanted) return;
    const target = shown.current;
    if (!target) return;
    // clicked (or tabbed to) before the page it came in was live: the editor takes over, caret at the end
    if (document.activeElement === target.firstElementChild) {
      focus.current ??= 'end';
      setWanted(true);
      return;
    }
    const observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && setWanted(true), {
      rootMargin: AHEAD,
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [wanted]);

  if (wanted)
    return (
      <CodeMirrorEditor
        value={value}
        language={language}
        label={label}
        readOnly={readOnly}
        onChange={onChange}
        focus={focus}
      />
    );

  const lines = value.split('\n');
  return (
    <div
      ref={shown}
      className="overflow-hidden rounded border border-stone-200 bg-[#fafaf9] text-[12px] leading-[1.4]"
      data-testid="code-editor"
      data-language={language}
    >
      {/* biome-ignore lint/a11y/useSemanticElements: it stands in for the editor's own textbox, a div too */}
      <div
        role="textbox"
        aria-label={label}
        aria-multiline
        aria-readonly
        tabIndex={0}
        className="flex cursor-text"
        onMouseDown={(e) => {
          // the editor takes the focus, where the click was; the code shown here goes away under the pointer
          e.preventDefault();
          focus.current = { x: e.clientX, y: e.clientY };
          setWanted(true);
        }}
        onFocus={() => {
          focus.current ??= 'end';
          setWanted(true);
        }}
      >
        <div
          aria-hidden
          className="shrink-0 border-r border-stone-200 bg-[#f5f5f4] py-1 pr-[9px] text-right font-mono text-[#6c6c6c]"
        >
          {lines.map((_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a line number is its position
            <div key={i} className="min-w-[20px] pr-[3px] pl-[5px]">
              {i + 1}
            </div>
          ))}
        </div>
        <div className="min-w-0 flex-1 overflow-hidden py-1" style={{ fontFamily: CODE_FONT }}>
          {lines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a line is its position
            <div key={i} className="whitespace-pre pr-[2px] pl-[6px]">
              {line || ' '}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
