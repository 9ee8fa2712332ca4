'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../_trpc/client';

export default function ModelsPage() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  if (models.isPending) return <p className="text-stone-500">Loading models…</p>;
  if (models.isError)
    return (
      <p role="alert" className="text-red-700">
        Could not load models: {models.error.message}
      </p>
    );
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Models</h1>
      {models.data.length === 0 ? (
        <p className="text-stone-600">No models registered yet.</p>
      ) : (
        <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
          {models.data.map((m) => (
            <li key={m.name} className="flex items-center gap-4 p-4">
              <Link href={`/models/${encodeURIComponent(m.name)}`} className="font-medium text-amber-800 underline">
                {m.name}
              </Link>
              <span className="text-sm text-stone-600">{m.task}</span>
              <span className="text-sm text-stone-500">
                {m.versions} version{m.versions === 1 ? '' : 's'}
              </span>
              <span className="ml-auto flex gap-2 text-xs">
                {Object.entries(m.aliases).map(([alias, version]) => (
                  <span key={alias} className="rounded bg-amber-50 px-1.5 py-0.5 text-amber-800">
                    {alias} → v{version}
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
