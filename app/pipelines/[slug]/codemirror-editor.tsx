'use client';
// A cell's code in CodeMirror 6: Python highlighting for python cells, shell for shell cells, plain text otherwise.
// Made by code-editor.tsx when a cell comes into view or is clicked. The editor owns its text while the person
// types; a new `value` from outside (a discard, a draft loaded) replaces it.
import { python } from '@codemirror/lang-python';
import { StreamLanguage } from '@codemirror/language';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { type RefObject, useEffect, useLayoutEffect, useRef } from 'react';
import type { CodeLanguage } from './code-editor';

function languageOf(language: CodeLanguage): Extension[] {
  switch (language) {
    case 'python':
      return [python()];
    case 'shell':
      return [StreamLanguage.define(shell)];
    case 'markdown':
    case 'plain':
      return [];
    default: {
      const unknown: never = language;
      return unknown;
    }
  }
}

const THEME = EditorView.theme({
  '&': { fontSize: '12px', backgroundColor: '#fafaf9' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '.cm-gutters': { backgroundColor: '#f5f5f4', borderRight: '1px solid #e7e5e4' },
  '&.cm-focused': { outline: '2px solid #f59e0b' },
});

/** Where the caret goes when the editor replaces the code shown before it: the point clicked, or the end. */
export type FocusRequest = { x: number; y: number } | 'end';

export interface CodeMirrorProps {
  value: string;
  language: CodeLanguage;
  label: string;
  readOnly: boolean;
  onChange?: (value: string) => void;
  /** Taken (and cleared) once the editor is made. */
  focus: RefObject<FocusRequest | null>;
}

export function CodeMirrorEditor({ value, language, label, readOnly, onChange, focus }: CodeMirrorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  // a replacement from outside is not an edit of the person's
  const replacing = useRef(false);
  // the text as it stands, for an editor made again (another language, read-only switched)
  const text = useRef(value);

  // a layout effect: the editor is there, focused, before the rest of the click that asked for it arrives
  useLayoutEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text.current,
        extensions: [
          basicSetup,
          THEME,
          ...languageOf(language),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            text.current = update.state.doc.toString();
            if (!replacing.current) onChangeRef.current?.(text.current);
          }),
        ],
      }),
    });
    view.current = editor;
    const request = focus.current;
    focus.current = null;
    if (request) {
      const at = request === 'end' ? null : editor.posAtCoords(request);
      editor.dispatch({ selection: { anchor: at ?? editor.state.doc.length }, scrollIntoView: true });
      editor.focus();
    }
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, [language, readOnly, label, focus]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || editor.state.doc.toString() === value) return;
    replacing.current = true;
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    replacing.current = false;
  }, [value]);

  return (
    <div
      ref={host}
      className="overflow-hidden rounded border border-stone-200"
      data-testid="code-editor"
      data-language={language}
    />
  );
}
