import { z } from 'zod';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { listSchedules } from '~/server/presenters/schedules';
import { removeSchedule, upsertSchedule } from '~/server/services/pipelines/pipeline-lifecycle';
import {
  backfillInput,
  backfillSchedule,
  setSchedulePaused,
  triggerSchedule,
} from '~/server/services/schedules/schedules';

const read = authorized('schedules', 'viewer');
const write = authorized('schedules', 'editor');
const id = z.object({ id: z.string().min(1).max(100) });
const withNote = id.extend({ note: z.string().max(500).default('') });

export const schedulesRouter = createTRPCRouter({
  list: read
    .input(z.object({ pipelineSlug: z.string().max(100).optional() }).default({}))
    .query(({ ctx, input }) => listSchedules(ctx.db, ctx.temporal, input)),
  /** Adds or replaces a schedule by name (a new version of the pipeline). */
  upsert: write
    .input(z.object({ pipelineSlug: z.string().min(1).max(100), schedule: z.unknown() }))
    .mutation(async ({ ctx, input }) => {
      const v = await upsertSchedule(ctx, input.pipelineSlug, input.schedule);
      return { version: v.version };
    }),
  remove: write
    .input(z.object({ pipelineSlug: z.string().min(1).max(100), name: z.string().min(1).max(100) }))
    .mutation(async ({ ctx, input }) => ({
      version: (await removeSchedule(ctx, input.pipelineSlug, input.name)).version,
    })),
  pause: write.input(withNote).mutation(({ ctx, input }) => setSchedulePaused(ctx, input.id, true, input.note)),
  unpause: write.input(withNote).mutation(({ ctx, input }) => setSchedulePaused(ctx, input.id, false, input.note)),
  trigger: write.input(id).mutation(({ ctx, input }) => triggerSchedule(ctx, input.id)),
  backfill: write.input(backfillInput).mutation(({ ctx, input }) => backfillSchedule(ctx, input)),
});
