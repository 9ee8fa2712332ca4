import { adminRouter } from './routers/admin';
import { authRouter } from './routers/auth';
import { draftsRouter } from './routers/drafts';
import { metricsRouter } from './routers/metrics';
import { modelsRouter } from './routers/models';
import { pipelinesRouter } from './routers/pipelines';
import { resultsRouter } from './routers/results';
import { runsRouter } from './routers/runs';
import { schedulesRouter } from './routers/schedules';
import { secretsRouter } from './routers/secrets';
import { createCallerFactory, createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  admin: adminRouter,
  pipelines: pipelinesRouter,
  drafts: draftsRouter,
  runs: runsRouter,
  metrics: metricsRouter,
  models: modelsRouter,
  results: resultsRouter,
  schedules: schedulesRouter,
  secrets: secretsRouter,
});
export type AppRouter = typeof appRouter;

/** Server-side caller (tests, scripts, server components). */
export const createCaller = createCallerFactory(appRouter);
