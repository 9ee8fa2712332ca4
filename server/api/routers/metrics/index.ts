// The metrics cells logged: one run's (per metric, step and item) and a pipeline's recent runs' (mean per run).
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { pipelineMetrics, runMetrics } from '~/server/presenters/metrics';
import { pipelineMetricsInput, runMetricsInput } from './schemas';

export const metricsRouter = createTRPCRouter({
  /** Per metric, per step: count, mean, min, max and each item's values (with the cell's step number). */
  forRun: authorized('runs', 'viewer')
    .input(runMetricsInput)
    .query(({ ctx, input }) => runMetrics(ctx.db, input.runId)),
  /** The last `limit` runs that logged metrics: per metric, each run's mean and count per step. */
  forPipeline: authorized('runs', 'viewer')
    .input(pipelineMetricsInput)
    .query(({ ctx, input }) => pipelineMetrics(ctx.db, input)),
});
