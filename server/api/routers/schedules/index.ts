import { z } from 'zod';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { listSchedules } from '~/server/presenters/schedules';
import { backfillInput, backfillSchedule, setSchedulePaused, triggerSchedule } from '~/server/services/schedules/schedules';

const read = authorized('schedules', 'viewer');
const write = authorized('schedules', 'editor');
const id = z.object({ id: z.string().min(1) });
const withNote = id.extend({ note: z.string().max(500).default('') });

export const schedulesRouter = createTRPCRouter({
  list: read.input(z.object({ pipelineSlug: z.string().optional() }).default({})).query(({ ctx, input }) => listSchedules(ctx.db, ctx.temporal, input)),
  pause: write.input(withNote).mutation(({ ctx, input }) => setSchedulePaused(ctx, input.id, true, input.note)),
  unpause: write.input(withNote).mutation(({ ctx, input }) => setSchedulePaused(ctx, input.id, false, input.note)),
  trigger: write.input(id).mutation(({ ctx, input }) => triggerSchedule(ctx, input.id)),
  backfill: write.input(backfillInput).mutation(({ ctx, input }) => backfillSchedule(ctx, input)),
});
