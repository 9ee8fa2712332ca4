import type { AnyTRPCRouter } from '@trpc/server';
import { adminRouter } from './routers/admin';
import { authRouter } from './routers/auth';
import { draftsRouter } from './routers/drafts';
import { metricsRouter } from './routers/metrics';
import { modelsRouter } from './routers/models';
import { notebooksRouter } from './routers/notebooks';
import { pipelinesRouter } from './routers/pipelines';
import { runsRouter } from './routers/runs';
import { schedulesRouter } from './routers/schedules';
import { secretsRouter } from './routers/secrets';
import { teamRouters } from './teams';
import { createCallerFactory, createTRPCRouter } from './trpc';

const platformRouters = {
  auth: authRouter,
  admin: adminRouter,
  pipelines: pipelinesRouter,
  drafts: draftsRouter,
  runs: runsRouter,
  metrics: metricsRouter,
  models: modelsRouter,
  schedules: schedulesRouter,
  secrets: secretsRouter,
  notebooks: notebooksRouter,
};

// teams' routers (pipelines/<team>/api.ts) are mounted too; the type names the platform's only
const teams: Record<never, never> = teamRouters(Object.keys(platformRouters));
export const appRouter = createTRPCRouter({ ...teams, ...platformRouters });
export type AppRouter = typeof appRouter;

/** The API's type with a team's routers (`typeof routers` of its api.ts), for the team's typed clients. */
export type AppRouterWith<TTeam extends Record<string, AnyTRPCRouter>> = ReturnType<
  typeof createTRPCRouter<typeof platformRouters & TTeam>
>;

/** Server-side caller (tests, scripts, server components). */
export const createCaller = createCallerFactory(appRouter);
