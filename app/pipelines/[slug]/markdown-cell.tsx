'use client';
// A Markdown cell: its text rendered; an editor clicks it to edit the source, and leaves to see it rendered again.
import { useState } from 'react';
import { MarkdownText } from '../../_components/outputs/markdown-text';
import { Button } from '../../_components/forms';
import { CodeEditor } from './code-editor';

export function MarkdownCell({
  id,
  text,
  editable,
  onChange,
}: {
  id: string;
  text: string;
  editable: boolean;
  onChange: (text: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  if (editing)
    return (
      <div className="space-y-2">
        <CodeEditor value={text} language="markdown" label={`Markdown of ${id}`} onChange={onChange} autoFocus />
        <Button variant="secondary" size="sm" onClick={() => setEditing(false)}>
          Done
        </Button>
      </div>
    );
  const rendered = text.trim() ? (
    <MarkdownText text={text} />
  ) : (
    <p className="text-sm text-stone-400">{editable ? 'Empty note: click to write Markdown.' : 'Empty note.'}</p>
  );
  if (!editable) return rendered;
  return (
    // a click on the note edits it (a link in it still opens); the button beside it does the same from the keyboard
    // biome-ignore lint/a11y/useKeyWithClickEvents: the Edit button is the keyboard's way in
    // biome-ignore lint/a11y/noStaticElementInteractions: see above
    <div
      className="group relative cursor-text rounded hover:bg-stone-50"
      data-testid={`markdown-${id}`}
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest('a')) setEditing(true);
      }}
    >
      {rendered}
      <Button
        variant="secondary"
        size="sm"
        className="absolute top-0 right-0 opacity-0 group-hover:opacity-100 focus:opacity-100"
        aria-label={`Edit the Markdown of ${id}`}
        onClick={() => setEditing(true)}
      >
        Edit
      </Button>
    </div>
  );
}
