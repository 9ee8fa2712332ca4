// The extension point for a team's API: every pipelines/<team>/api.ts that exports `routers` (tRPC routers built
// on this server's procedures, by the name clients call them under) is mounted beside the platform's routers, so
// the platform names no team's code. The files are found when the server is bundled (import.meta.glob: Turbopack
// for the portal, Vite in the tests). A name the platform or another team already uses is an error, not an override.
import type { AnyTRPCRouter } from '@trpc/server';

interface TeamApi {
  routers?: unknown;
}
// loaded with a top-level await: a team's module may be async in the bundle (it imports a Node package), and an
// eager glob would hand it over before it has finished
const teamApis: Record<string, TeamApi> = Object.fromEntries(
  await Promise.all(
    Object.entries(import.meta.glob<TeamApi>('../../pipelines/*/api.ts')).map(
      async ([file, load]) => [file, await load()] as const,
    ),
  ),
);

/** Every team's routers by name; `taken` are the platform's own names. */
export function teamRouters(taken: readonly string[], apis: Record<string, TeamApi> = teamApis) {
  const routers: Record<string, AnyTRPCRouter> = {};
  const mountedBy = new Map(taken.map((name) => [name, 'the platform']));
  for (const [file, api] of Object.entries(apis).sort(([a], [b]) => a.localeCompare(b))) {
    const team = `pipelines/${file.split('/').at(-2)}`;
    if (!isRouters(api.routers)) throw new Error(`${team}/api.ts must export routers: tRPC routers by name`);
    for (const [name, router] of Object.entries(api.routers)) {
      const other = mountedBy.get(name);
      if (other) throw new Error(`the API name "${name}" of ${team} is already used by ${other}`);
      mountedBy.set(name, team);
      routers[name] = router;
    }
  }
  return routers;
}

function isRouters(value: unknown): value is Record<string, AnyTRPCRouter> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((r) => typeof r === 'object' && r !== null && (r as AnyTRPCRouter)._def?.router === true)
  );
}
