import { z } from 'zod';

export const runMetricsInput = z.object({ runId: z.uuid() });
export const pipelineMetricsInput = z.object({
  slug: z.string().min(1).max(100),
  /** one metric only; all of them when absent */
  name: z.string().min(1).max(200).optional(),
  /** the last runs that logged metrics */
  limit: z.number().int().min(1).max(200).default(20),
});
