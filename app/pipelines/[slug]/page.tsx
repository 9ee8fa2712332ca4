// The notebook page: the server reads the pipeline, the visitor's draft and each cell's stored outputs as it renders
// (with the visitor's session), so a long notebook's code and outputs are on screen without waiting for requests
// after the page loads; the client view (notebook.tsx) then keeps them live.
import { headers } from 'next/headers';
import { createCaller } from '~/server/api/root';
import { createContext } from '~/server/api/trpc';
import { Notebook, type NotebookInitial } from './notebook';

export const dynamic = 'force-dynamic';

export default async function NotebookPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  let initial: NotebookInitial | undefined;
  try {
    const api = createCaller(await createContext({ headers: await headers() }));
    const [pipeline, draft, outputs, me] = await Promise.all([
      api.pipelines.get({ slug }),
      api.drafts.get({ slug }),
      api.notebooks.outputs({ slug }),
      api.auth.me(),
    ]);
    const canEdit = me?.role === 'editor' || me?.role === 'admin';
    initial = { pipeline, draft, outputs, canEdit, readAt: Date.now() };
  } catch {
    // signed out, or an unknown pipeline: the client view shows the sign-in page or the error
  }
  return <Notebook initial={initial} />;
}
