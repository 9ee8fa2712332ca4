'use client';
// One model: its versions (each with its weights, code, requirements, the runs that used it and sample outputs; the
// newest opened), its aliases, and their history; editors promote a version to an alias or roll an alias back,
// with a note.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { Button, Field, FormError, InlineForm, Select, TextInput } from '../../_components/forms';
import { LoadError, Loading, PageTitle } from '../../_components/ui';
import { useCanEdit } from '../../_components/who-am-i';
import { useTRPC } from '../../_trpc/client';
import { ModelVersionCard } from './model-version';

export default function ModelPage() {
  const { name } = useParams<{ name: string }>();
  const modelName = decodeURIComponent(name);
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCanEdit();
  const model = useQuery(trpc.models.get.queryOptions({ name: modelName }));
  const [alias, setAlias] = useState('production');
  const [version, setVersion] = useState('');
  const [note, setNote] = useState('');
  const move = useMutation(
    trpc.models.moveAlias.mutationOptions({
      onSuccess: () => {
        setNote('');
        return queryClient.invalidateQueries({ queryKey: trpc.models.get.queryKey({ name: modelName }) });
      },
    }),
  );

  if (model.isPending) return <Loading what="model" />;
  if (model.isError) return <LoadError what="model" error={model.error} />;
  const m = model.data;
  return (
    <section className="space-y-6">
      <header>
        <PageTitle>{m.name}</PageTitle>
        <p className="text-sm text-stone-600">
          {m.task}
          {m.description ? ` · ${m.description}` : ''}
        </p>
      </header>

      <div className="space-y-2">
        <h2 className="font-medium">Aliases</h2>
        <ul className="flex flex-wrap gap-2 text-sm" data-testid="aliases">
          {Object.entries(m.aliases).map(([a, v]) => (
            <li key={a} className="rounded bg-amber-50 px-2 py-1 text-amber-800">
              {a} → v{v}
            </li>
          ))}
          {Object.keys(m.aliases).length === 0 && <li className="text-stone-500">No aliases yet.</li>}
        </ul>
        {canEdit && (
          <InlineForm
            onSubmit={(e) => {
              e.preventDefault();
              move.mutate({ name: m.name, alias, version: Number(version), note });
            }}
          >
            <Field label="Alias">
              <TextInput value={alias} onChange={(e) => setAlias(e.target.value)} required />
            </Field>
            <Field label="Version">
              <Select value={version} onChange={(e) => setVersion(e.target.value)} required>
                <option value="">choose…</option>
                {m.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Note">
              <TextInput value={note} onChange={(e) => setNote(e.target.value)} placeholder="why" />
            </Field>
            <Button type="submit" disabled={move.isPending}>
              Point alias at version
            </Button>
            <FormError error={move.error} className="w-full" />
          </InlineForm>
        )}
      </div>

      <div className="space-y-2">
        <h2 className="font-medium">Versions</h2>
        {m.versions.length === 0 && <p className="text-sm text-stone-500">No versions yet.</p>}
        {m.versions.map((v, i) => (
          <ModelVersionCard
            key={v.version}
            version={v}
            aliases={Object.entries(m.aliases).flatMap(([a, to]) => (to === v.version ? [a] : []))}
            initiallyOpen={i === 0}
          />
        ))}
      </div>

      <div className="space-y-2">
        <h2 className="font-medium">Alias history</h2>
        <ol className="space-y-1 text-sm" data-testid="alias-history">
          {m.aliasHistory.map((e) => (
            <li key={`${e.at}-${e.alias}-${e.to}`}>
              {new Date(e.at).toLocaleString()} · {e.actor} moved <b>{e.alias}</b> {e.from ? `from v${e.from} ` : ''}to
              v{e.to}
              {e.note ? ` — “${e.note}”` : ''}
            </li>
          ))}
          {m.aliasHistory.length === 0 && <li className="text-stone-500">No moves yet.</li>}
        </ol>
      </div>
    </section>
  );
}
