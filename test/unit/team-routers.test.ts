// Teams plug their API into the server through pipelines/<team>/api.ts (server/api/teams.ts): the cafe sample's
// results router is mounted as `results`; a name the platform or another team uses is refused.
import { describe, expect, it } from 'vitest';
import { routers as cafeRouters } from '~/pipelines/cafe/api';
import { appRouter } from '~/server/api/root';
import { teamRouters } from '~/server/api/teams';
import { createTRPCRouter, publicProcedure } from '~/server/api/trpc';

const router = createTRPCRouter({ ping: publicProcedure.query(() => 'pong') });

describe('team routers', () => {
  it("mounts the cafe team's results router beside the platform's", () => {
    expect(teamRouters(['auth'])).toEqual({ results: cafeRouters.results });
    // the type names the platform's routers only; its procedures are the teams' too
    expect(Object.keys(appRouter._def.procedures).filter((p) => p.startsWith('results.'))).toEqual([
      'results.dongs',
      'results.dong',
      'results.changedSince',
    ]);
    expect(Object.keys(cafeRouters.results._def.procedures).sort()).toEqual(['changedSince', 'dong', 'dongs']);
  });

  it('refuses a name the platform or another team uses, and an api.ts without routers', () => {
    const api = (routers: unknown) => ({ routers });
    expect(() => teamRouters(['runs'], { '../../pipelines/a/api.ts': api({ runs: router }) })).toThrow(
      'the API name "runs" of pipelines/a is already used by the platform',
    );
    expect(() =>
      teamRouters([], {
        '../../pipelines/a/api.ts': api({ shared: router }),
        '../../pipelines/b/api.ts': api({ shared: router }),
      }),
    ).toThrow('the API name "shared" of pipelines/b is already used by pipelines/a');
    expect(() => teamRouters([], { '../../pipelines/c/api.ts': api({ notARouter: () => 1 }) })).toThrow(
      'pipelines/c/api.ts must export routers',
    );
  });
});
