import { z } from 'zod';

export const triggerRunInput = z.object({
  pipelineSlug: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
});
export const runIdInput = z.object({ runId: z.uuid() });
export const listRunsInput = z.object({ pipelineSlug: z.string().optional(), take: z.number().int().min(1).max(200).default(50) });
