'use client';
// Importing a Jupyter notebook (.ipynb) as a pipeline: its code cells become Python cells, its Markdown stays
// Markdown (notebooks.import; docs/notebooks.md). A new slug makes a new pipeline; an existing one a new version.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { MAX_SPEC_REQUEST_BYTES } from '~/common/limits';
import { useTRPC } from '../_trpc/client';
import { Button, Field, FormError, InlineForm, TextInput } from '../_components/forms';
import { ErrorText } from '../_components/ui';

export function ImportNotebook({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const imported = useMutation(
    trpc.notebooks.import.mutationOptions({
      onSuccess: async ({ slug }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.pipelines.list.queryKey() });
        router.push(`/pipelines/${slug}`);
      },
    }),
  );

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const form = new FormData(event.currentTarget);
    const file = form.get('notebook');
    if (!(file instanceof File) || file.size === 0) return setProblem('Choose an .ipynb file.');
    if (file.size > MAX_SPEC_REQUEST_BYTES) return setProblem('The notebook is larger than 4 MiB.');
    let notebook: unknown;
    try {
      notebook = JSON.parse(await file.text());
    } catch {
      return setProblem(`${file.name} is not a notebook (not JSON).`);
    }
    const name = String(form.get('name') ?? '').trim();
    imported.mutate({ notebook, slug: String(form.get('slug') ?? '').trim(), ...(name ? { name } : {}) });
  }

  return (
    <InlineForm onSubmit={submit} aria-label="Import a notebook" className="mb-4">
      <Field label="Notebook (.ipynb)">
        <input name="notebook" type="file" accept=".ipynb,application/x-ipynb+json,application/json" required />
      </Field>
      <Field label="Slug">
        <TextInput name="slug" required pattern="[a-z][a-z0-9-]{1,62}" placeholder="my-notebook" />
      </Field>
      <Field label="Name">
        <TextInput name="name" placeholder="(from the notebook)" />
      </Field>
      <Button type="submit" disabled={imported.isPending}>
        {imported.isPending ? 'Importing…' : 'Import'}
      </Button>
      <Button variant="secondary" onClick={onClose}>
        Cancel
      </Button>
      {problem && <ErrorText className="w-full">{problem}</ErrorText>}
      <FormError error={imported.error} className="w-full" />
    </InlineForm>
  );
}
