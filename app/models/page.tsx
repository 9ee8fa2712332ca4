'use client';
import { useQuery } from '@tanstack/react-query';
import { CardList, Chip, LoadError, Loading, PageTitle, TextLink } from '../_components/ui';
import { useTRPC } from '../_trpc/client';

export default function ModelsPage() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  if (models.isPending) return <Loading what="models" />;
  if (models.isError) return <LoadError what="models" error={models.error} />;
  return (
    <section className="space-y-4">
      <PageTitle>Models</PageTitle>
      {models.data.length === 0 ? (
        <p className="text-stone-600">No models registered yet.</p>
      ) : (
        <CardList>
          {models.data.map((m) => (
            <li key={m.name} className="flex items-center gap-4 p-4">
              <TextLink href={`/models/${encodeURIComponent(m.name)}`} className="font-medium">
                {m.name}
              </TextLink>
              <span className="text-sm text-stone-600">{m.task}</span>
              <span className="text-sm text-stone-500">
                {m.versions} version{m.versions === 1 ? '' : 's'}
              </span>
              <span className="ml-auto flex gap-2">
                {Object.entries(m.aliases).map(([alias, version]) => (
                  <Chip key={alias} tone="amber">
                    {alias} → v{version}
                  </Chip>
                ))}
              </span>
            </li>
          ))}
        </CardList>
      )}
    </section>
  );
}
