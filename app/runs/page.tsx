'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../_trpc/client';
import { StatusBadge } from '../_components/status';

export default function RunsPage() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions({ limit: 50 }, { refetchInterval: 2_000 }));
  if (runs.isPending) return <p className="text-stone-500">Loading runs…</p>;
  if (runs.isError)
    return (
      <p role="alert" className="text-red-700">
        Could not load runs: {runs.error.message}
      </p>
    );
  if (runs.data.runs.length === 0)
    return <p className="text-stone-600">No runs yet. Start one from the Pipelines page.</p>;
  return (
    <section>
      <h1 className="mb-4 text-2xl font-semibold">Runs</h1>
      <table className="w-full rounded-lg border border-stone-200 bg-white text-sm">
        <thead className="bg-stone-100 text-left text-stone-600">
          <tr>
            <th className="p-2">Pipeline</th>
            <th className="p-2">Status</th>
            <th className="p-2">Items</th>
            <th className="p-2">Trigger</th>
            <th className="p-2">Started</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.runs.map((r) => (
            <tr key={r.id} className="border-t border-stone-100">
              <td className="p-2">
                <Link className="text-amber-800 underline" href={`/runs/${r.id}`}>
                  {r.pipeline.name}
                </Link>
              </td>
              <td className="p-2">
                <StatusBadge status={r.status} />
              </td>
              <td className="p-2">
                {r.itemsSucceeded} ✓ · {r.itemsFailed} ✗ / {r.itemsTotal}
              </td>
              <td className="p-2">{r.trigger}</td>
              <td className="p-2">{new Date(r.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
