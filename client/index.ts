// The typed Brewline client for TypeScript programs (the recommendation backend, the CLI):
//   const brewline = createBrewlineClient({ url: 'http://localhost:3000', token: process.env.BREWLINE_TOKEN });
//   const runs = await brewline.runs.list.query({ limit: 10 });
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { MAX_BATCH_CALLS } from '~/common/limits';
import type { AppRouter, AppRouterWith } from '~/server/api/root';

export type { AppRouter, AppRouterWith };
export { TRPCClientError };

export interface BrewlineClientOptions {
  /** The portal's base URL, e.g. http://localhost:3000 */
  url: string;
  /** An API token (brw_…) created by an admin. */
  token?: string;
}

/**
 * A client of the platform's API; a team's own routers (pipelines/<team>/api.ts) are typed by passing the API's
 * type with them: createBrewlineClient<CafeAppRouter>(...).
 */
export function createBrewlineClient<TRouter extends AppRouter = AppRouter>({
  url,
  token,
}: BrewlineClientOptions): BrewlineClient<TRouter> {
  return createTRPCClient<TRouter>({
    links: [
      httpBatchLink<AppRouter>({
        url: `${url.replace(/\/$/, '')}/api/trpc`,
        transformer: superjson,
        // the server refuses larger batches
        maxItems: MAX_BATCH_CALLS,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}
export type BrewlineClient<TRouter extends AppRouter = AppRouter> = TRPCClient<TRouter>;

/** A readable line for a failed call: the code, the message and any field problems. */
export function describeError(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; fields?: { path: (string | number)[]; message: string }[] } | undefined;
    const fields = data?.fields?.map((f) => `\n  ${f.path.join('.')}: ${f.message}`).join('') ?? '';
    return `${data?.code ?? 'ERROR'}: ${err.message}${fields}`;
  }
  return err instanceof Error ? err.message : String(err);
}
