// Plain text a cell displayed, as it was written.
export function TextOutput({ text }: { text: string }) {
  return <pre className="max-h-96 overflow-auto whitespace-pre-wrap rounded bg-stone-50 p-2 text-xs">{text}</pre>;
}
