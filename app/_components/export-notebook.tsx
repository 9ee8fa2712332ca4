'use client';
// Downloads a pipeline version as a Jupyter notebook (.ipynb; notebooks.export), with one item's outputs of a run
// when given, so it opens in Jupyter or VS Code and reads top to bottom.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../_trpc/client';
import { TextButton } from './forms';
import { ErrorText } from './ui';

export function ExportNotebook({
  slug,
  version,
  runId,
  itemKey,
  children = 'export .ipynb',
}: {
  slug: string;
  version: number;
  runId?: string;
  itemKey?: string;
  children?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      const input = { slug, version, ...(runId && itemKey !== undefined ? { runId, itemKey } : {}) };
      const notebook = await queryClient.fetchQuery(trpc.notebooks.export.queryOptions(input, { staleTime: 0 }));
      const blob = new Blob([JSON.stringify(notebook, null, 1)], { type: 'application/x-ipynb+json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${slug}-v${version}${itemKey ? `-${itemKey.replace(/[^\p{L}\p{N}_.-]/gu, '-')}` : ''}.ipynb`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <TextButton onClick={download} disabled={busy}>
        {busy ? 'exporting…' : children}
      </TextButton>
      {error && <ErrorText className="text-xs">{error}</ErrorText>}
    </>
  );
}
