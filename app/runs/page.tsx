'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';
import { StatusBadge } from '../_components/status';
import { Cell, LoadError, Loading, PageTitle, Row, Table, TextLink } from '../_components/ui';

export default function RunsPage() {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runs.list.queryOptions({ limit: 50 }, { refetchInterval: 2_000 }));
  if (runs.isPending) return <Loading what="runs" />;
  if (runs.isError) return <LoadError what="runs" error={runs.error} />;
  if (runs.data.runs.length === 0)
    return <p className="text-stone-600">No runs yet. Start one from the Pipelines page.</p>;
  return (
    <section>
      <PageTitle className="mb-4">Runs</PageTitle>
      <Table columns={['Pipeline', 'Status', 'Items', 'Trigger', 'Started']}>
        {runs.data.runs.map((r) => (
          <Row key={r.id}>
            <Cell>
              <TextLink href={`/runs/${r.id}`}>{r.pipeline.name}</TextLink>
            </Cell>
            <Cell>
              <StatusBadge status={r.status} />
            </Cell>
            <Cell>
              {r.itemsSucceeded} ✓ · {r.itemsFailed} ✗ / {r.itemsTotal}
            </Cell>
            <Cell>{r.trigger}</Cell>
            <Cell>{new Date(r.createdAt).toLocaleString()}</Cell>
          </Row>
        ))}
      </Table>
    </section>
  );
}
