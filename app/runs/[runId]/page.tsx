// The run page: the server reads the run's board as it renders (with the visitor's session), so the grid is on
// screen without waiting for a request after the page loads; the client view then keeps it live.
import { headers } from 'next/headers';
import { createCaller } from '~/server/api/root';
import { createContext } from '~/server/api/trpc';
import type { RunBoard } from '~/server/presenters/runs';
import { RunView } from './run-view';

export const dynamic = 'force-dynamic';

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  let initial: RunBoard | undefined;
  try {
    initial = await createCaller(await createContext({ headers: await headers() })).runs.board({ runId });
  } catch {
    // signed out, unknown run, or a bad id: the client view shows the sign-in page or the error
  }
  return <RunView initial={initial} />;
}
