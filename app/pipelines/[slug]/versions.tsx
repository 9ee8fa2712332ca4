'use client';
// The pipeline's versions, newest first, with how many runs each had; view one, or compare any two.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ExportNotebook } from '../../_components/export-notebook';
import { TextButton } from '../../_components/forms';
import { Card } from '../../_components/ui';
import { useTRPC } from '../../_trpc/client';
import { VersionDiff } from './version-diff';

export function Versions({
  slug,
  current,
  onView,
}: {
  slug: string;
  current: number;
  onView: (version: number) => void;
}) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.pipelines.versions.queryOptions({ slug }));
  const [compare, setCompare] = useState<{ from: number; to: number } | null>(null);
  if (!versions.data) return null;
  return (
    <Card as="section" className="space-y-2 p-4 text-sm">
      <h2 className="font-medium">Versions</h2>
      <ul className="space-y-1">
        {versions.data.map((v) => (
          <li key={v.version} className="flex items-center gap-3">
            <span className={v.version === current ? 'font-semibold' : ''}>v{v.version}</span>
            <span className="text-stone-500">
              {new Date(v.createdAt).toLocaleString()} · {v.runs} run{v.runs === 1 ? '' : 's'}
            </span>
            <TextButton onClick={() => onView(v.version)}>view</TextButton>
            <ExportNotebook slug={slug} version={v.version} />
            {v.version > 1 && (
              <TextButton onClick={() => setCompare({ from: v.version - 1, to: v.version })}>
                diff with v{v.version - 1}
              </TextButton>
            )}
          </li>
        ))}
      </ul>
      {compare && <VersionDiff slug={slug} from={compare.from} to={compare.to} />}
    </Card>
  );
}
