'use client';
// One model: its versions (with the runs that used each), its aliases, and their history; editors promote a
// version to an alias or roll an alias back, with a note.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { useCanEdit } from '../../_components/who-am-i';
import { useTRPC } from '../../_trpc/client';

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

  if (model.isPending) return <p className="text-stone-500">Loading model…</p>;
  if (model.isError)
    return (
      <p role="alert" className="text-red-700">
        Could not load model: {model.error.message}
      </p>
    );
  const m = model.data;
  const fields = (move.error?.data as { fields?: { path: string[]; message: string }[] } | undefined)?.fields;
  return (
    <section className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">{m.name}</h1>
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
          <form
            className="flex flex-wrap items-end gap-3 rounded border border-stone-200 bg-white p-3 text-sm"
            onSubmit={(e) => {
              e.preventDefault();
              move.mutate({ name: m.name, alias, version: Number(version), note });
            }}
          >
            <label className="flex flex-col gap-1">
              Alias{' '}
              <input
                value={alias}
                onChange={(e) => setAlias(e.target.value)}
                className="rounded border border-stone-300 px-2 py-1"
                required
              />
            </label>
            <label className="flex flex-col gap-1">
              Version
              <select
                value={version}
                onChange={(e) => setVersion(e.target.value)}
                className="rounded border border-stone-300 px-2 py-1"
                required
              >
                <option value="">choose…</option>
                {m.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              Note{' '}
              <input
                value={note}
                onChange={(e) => setNote(e.target.value)}
                className="rounded border border-stone-300 px-2 py-1"
                placeholder="why"
              />
            </label>
            <button type="submit" className="rounded bg-amber-700 px-3 py-1 text-white" disabled={move.isPending}>
              Point alias at version
            </button>
            {move.error && (
              <p role="alert" className="w-full text-red-700">
                {fields?.length ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ') : move.error.message}
              </p>
            )}
          </form>
        )}
      </div>

      <div className="space-y-2">
        <h2 className="font-medium">Versions</h2>
        <table className="w-full rounded border border-stone-200 bg-white text-sm">
          <thead className="bg-stone-100 text-left text-stone-600">
            <tr>
              <th className="p-2">Version</th>
              <th className="p-2">Artifact</th>
              <th className="p-2">Framework</th>
              <th className="p-2">GPU memory</th>
              <th className="p-2">Metrics</th>
              <th className="p-2">Used by</th>
            </tr>
          </thead>
          <tbody>
            {m.versions.map((v) => (
              <tr key={v.version} className="border-t border-stone-100 align-top" data-testid={`version-${v.version}`}>
                <td className="p-2">v{v.version}</td>
                <td className="p-2 font-mono text-xs">{v.artifactUri}</td>
                <td className="p-2">
                  {v.framework}
                  {v.runtime ? ` · ${v.runtime}` : ''}
                </td>
                <td className="p-2">{v.gpuMemoryMb ? `${v.gpuMemoryMb} MB` : '—'}</td>
                <td className="p-2 font-mono text-xs">{JSON.stringify(v.metrics)}</td>
                <td className="p-2">
                  {v.usedBy.length === 0
                    ? '—'
                    : v.usedBy.slice(0, 5).map((u) => (
                        <Link key={u.runId} href={`/runs/${u.runId}`} className="mr-2 text-amber-800 underline">
                          {u.pipeline}
                        </Link>
                      ))}
                  {v.usedBy.length > 5 ? ` and ${v.usedBy.length - 5} more` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
