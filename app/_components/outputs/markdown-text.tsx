'use client';
// Markdown a cell displayed (or a Markdown cell's text), rendered safely: raw HTML is dropped, links open in a new tab
// without the portal as referrer, and only embedded (data:) images show: a remote one could track who reads the run.
import type { Components } from 'react-markdown';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

const ELEMENTS: Components = {
  h1: ({ node: _, ...p }) => <h1 className="text-xl font-semibold" {...p} />,
  h2: ({ node: _, ...p }) => <h2 className="text-lg font-semibold" {...p} />,
  h3: ({ node: _, ...p }) => <h3 className="font-semibold" {...p} />,
  h4: ({ node: _, ...p }) => <h4 className="font-medium" {...p} />,
  ul: ({ node: _, ...p }) => <ul className="list-disc space-y-1 pl-6" {...p} />,
  ol: ({ node: _, ...p }) => <ol className="list-decimal space-y-1 pl-6" {...p} />,
  blockquote: ({ node: _, ...p }) => <blockquote className="border-l-4 border-stone-300 pl-3 text-stone-600" {...p} />,
  pre: ({ node: _, ...p }) => <pre className="overflow-x-auto rounded bg-stone-100 p-2 text-xs" {...p} />,
  code: ({ node: _, ...p }) => <code className="rounded bg-stone-100 px-1 font-mono text-[0.9em]" {...p} />,
  table: ({ node: _, ...p }) => (
    <div className="overflow-x-auto">
      <table className="border-collapse text-xs" {...p} />
    </div>
  ),
  th: ({ node: _, ...p }) => <th className="border border-stone-200 bg-stone-100 px-2 py-1 text-left" {...p} />,
  td: ({ node: _, ...p }) => <td className="border border-stone-200 px-2 py-1" {...p} />,
  hr: () => <hr className="border-stone-200" />,
  a: ({ node: _, ...p }) => <a className="text-amber-800 underline" target="_blank" rel="noreferrer nofollow" {...p} />,
  img: ({ src, alt }) =>
    typeof src === 'string' && src.startsWith('data:image/') ? (
      // biome-ignore lint/performance/noImgElement: an inline data: image, nothing to optimise
      <img src={src} alt={alt ?? ''} className="max-w-full" />
    ) : (
      <span className="text-stone-500" title={typeof src === 'string' ? src : undefined}>
        [image: {alt || 'remote image not loaded'}]
      </span>
    ),
};

export function MarkdownText({ text }: { text: string }) {
  return (
    <div className="space-y-2 text-sm leading-relaxed break-words" data-testid="markdown-output">
      <Markdown remarkPlugins={[remarkGfm]} skipHtml components={ELEMENTS}>
        {text}
      </Markdown>
    </div>
  );
}
