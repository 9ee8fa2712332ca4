import { z } from 'zod';
import { RUN_STATUSES } from '~/common/statuses';

export const triggerRunInput = z.object({
  pipelineSlug: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
});
export const runIdInput = z.object({ runId: z.uuid() });
const TRIGGERS = ['manual', 'api', 'schedule', 'backfill', 'retry', 'dev'] as const;
export const listRunsInput = z.object({
  pipelineSlug: z.string().max(100).optional(),
  status: z.array(z.enum(RUN_STATUSES)).optional(),
  trigger: z.array(z.enum(TRIGGERS)).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
