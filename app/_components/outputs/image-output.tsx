'use client';
// An image a cell displayed: a thumbnail that loads when scrolled to, and a larger view on click (Escape closes).
// The file is one of the step's artifacts, served behind the session like every other file of a run.
import { useRef } from 'react';
import type { ImageDisplay } from '~/common/displays';

export function ImageOutput({ image }: { image: ImageDisplay }) {
  const dialog = useRef<HTMLDialogElement>(null);
  if (!image.url)
    return (
      <p className="text-sm text-stone-500">
        The image <code>{image.file}</code> is not among the step's kept files.
      </p>
    );
  const close = () => dialog.current?.close();
  return (
    <>
      <button
        type="button"
        onClick={() => dialog.current?.showModal()}
        className="rounded border border-stone-200 bg-white p-1 hover:border-amber-500"
        title={`${image.file}: click for a larger view`}
      >
        {/* biome-ignore lint/performance/noImgElement: artifacts are served behind the session cookie; next/image
            would proxy and cache them */}
        <img
          src={image.url}
          alt={image.file}
          width={image.width}
          height={image.height}
          loading="lazy"
          className="h-auto max-h-48 w-auto max-w-full"
        />
      </button>
      {/* the native dialog closes on Escape; a click on the backdrop (the dialog itself) closes it too */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog natively */}
      <dialog
        ref={dialog}
        aria-label={`Image ${image.file}`}
        onClick={(e) => e.target === e.currentTarget && close()}
        className="m-auto max-h-[95vh] max-w-[95vw] rounded-lg bg-white p-3 shadow-xl backdrop:bg-black/70"
      >
        <div className="mb-2 flex items-center gap-3 text-sm">
          <code className="text-stone-600">{image.file}</code>
          <a className="text-stone-500 underline" href={image.url} target="_blank" rel="noreferrer">
            open
          </a>
          <button type="button" onClick={close} className="ml-auto text-stone-600 underline">
            Close
          </button>
        </div>
        {/* biome-ignore lint/performance/noImgElement: as above */}
        <img
          src={image.url}
          alt={image.file}
          loading="lazy"
          className="h-auto max-h-[85vh] w-[min(90vw,960px)] object-contain"
        />
      </dialog>
    </>
  );
}
