'use client';
// The notebook's working copy: the caller's draft when they have one, else the version shown. Edits change it at
// once and are stored as the draft after a pause (drafts.save); a refused save keeps the edits here, with each
// problem at its cell. Nothing reaches a version until publish.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { PipelineSpec } from '~/common/pipeline-spec';
import type { AppRouter } from '~/server/api/root';
import { fieldErrorsOf } from '../../_components/forms';
import { useTRPC } from '../../_trpc/client';

const SAVE_AFTER_MS = 600;

/** The caller's draft as drafts.get gives it (null: none). */
export type StoredDraft = inferRouterOutputs<AppRouter>['drafts']['get'];

export type SaveState = 'idle' | 'saving' | 'stored' | 'refused' | 'failed';

/** What the server said is wrong with the working copy: per cell (by id), and about the pipeline as a whole. */
export interface DraftProblems {
  cells: Record<string, string[]>;
  general: string[];
}

const NO_PROBLEMS: DraftProblems = { cells: {}, general: [] };

function problemsOf(spec: PipelineSpec, error: { message: string; data?: unknown }): DraftProblems {
  const fields = fieldErrorsOf(error);
  if (!fields.length) return { cells: {}, general: [error.message] };
  const cells: Record<string, string[]> = {};
  const general: string[] = [];
  for (const f of fields) {
    const [root, index, ...rest] = f.path;
    const cell = root === 'steps' && index !== undefined ? spec.steps[Number(index)] : undefined;
    if (cell) cells[cell.id] = [...(cells[cell.id] ?? []), `${rest.length ? `${rest.join('.')} ` : ''}${f.message}`];
    else general.push(`${f.path.join('.')} ${f.message}`.trim());
  }
  return { cells, general };
}

export function useDraft(slug: string, saved: PipelineSpec | undefined, initial?: StoredDraft) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // asked at once, with the page's other data (a reader who cannot edit has none: null)
  const draft = useQuery(trpc.drafts.get.queryOptions({ slug }, { staleTime: Infinity, initialData: initial }));
  const [working, setWorking] = useState<PipelineSpec | null>(null);
  const [state, setState] = useState<SaveState>('idle');
  const [problems, setProblems] = useState<DraftProblems>(NO_PROBLEMS);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // the latest save, so that a run or a publish waits for it
  const pending = useRef<Promise<boolean>>(Promise.resolve(true));
  const latest = useRef<PipelineSpec | null>(null);

  const saveMutation = useMutation(trpc.drafts.save.mutationOptions());
  const discardMutation = useMutation(trpc.drafts.discard.mutationOptions());
  const publishMutation = useMutation(trpc.drafts.publish.mutationOptions());

  const spec = working ?? draft.data?.spec ?? saved;

  const store = useCallback(
    async (next: PipelineSpec): Promise<boolean> => {
      setState('saving');
      try {
        const stored = await saveMutation.mutateAsync({ slug, spec: next });
        queryClient.setQueryData(trpc.drafts.get.queryKey({ slug }), stored);
        // newer edits may have come in while it was stored: they stay the working copy
        if (latest.current === next) setState('stored');
        setProblems(NO_PROBLEMS);
        return true;
      } catch (err) {
        const error = err as { message: string; data?: unknown };
        const refused = (error.data as { code?: string } | undefined)?.code === 'BAD_REQUEST';
        setState(refused ? 'refused' : 'failed');
        setProblems(problemsOf(next, error));
        return false;
      }
    },
    [slug, saveMutation, queryClient, trpc],
  );

  const edit = useCallback(
    (change: (spec: PipelineSpec) => PipelineSpec) => {
      const base = latest.current ?? spec;
      if (!base) return;
      const next = change(base);
      latest.current = next;
      setWorking(next);
      setState('saving');
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        timer.current = null;
        pending.current = pending.current.then(() => store(next));
      }, SAVE_AFTER_MS);
    },
    [spec, store],
  );

  /** Stores the edits now; false when the draft was refused. */
  const flush = useCallback(async (): Promise<boolean> => {
    if (timer.current && latest.current) {
      clearTimeout(timer.current);
      timer.current = null;
      const next = latest.current;
      pending.current = pending.current.then(() => store(next));
    }
    return pending.current;
  }, [store]);

  const reset = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    latest.current = null;
    setWorking(null);
    setState('idle');
    setProblems(NO_PROBLEMS);
  }, []);

  const discard = useCallback(async () => {
    await pending.current;
    reset();
    await discardMutation.mutateAsync({ slug });
    queryClient.setQueryData(trpc.drafts.get.queryKey({ slug }), null);
  }, [slug, reset, discardMutation, queryClient, trpc]);

  const publish = useCallback(async () => {
    if (!(await flush())) return null;
    const published = await publishMutation.mutateAsync({ slug });
    reset();
    queryClient.setQueryData(trpc.drafts.get.queryKey({ slug }), null);
    await queryClient.invalidateQueries({ queryKey: trpc.pipelines.get.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.pipelines.versions.queryKey({ slug }) });
    return published;
  }, [slug, flush, reset, publishMutation, queryClient, trpc]);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  return {
    spec,
    /** The caller has a draft: stored, or edits on their way to it. */
    hasDraft: !!draft.data || working !== null,
    draft: draft.data ?? null,
    loading: draft.isPending,
    state,
    problems,
    edit,
    flush,
    discard,
    publish,
    publishing: publishMutation.isPending,
    discarding: discardMutation.isPending,
    error: publishMutation.error ?? discardMutation.error,
  };
}
