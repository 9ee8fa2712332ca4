import { z } from 'zod';
import { INT4_MAX } from '~/common/limits';
import { pipelineSpecProblems } from '~/common/pipeline-spec';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { diffPipelineVersions, getPipelineVersion, listPipelineVersions } from '~/server/presenters/pipeline-versions';
import { listPipelines } from '~/server/presenters/pipelines';
import { deletePipeline, disablePipeline, enablePipeline } from '~/server/services/pipelines/pipeline-lifecycle';
import { pushPipeline } from '~/server/services/pipelines/register-pipeline';

const slug = z.string().min(1).max(100);
const version = z.number().int().min(1).max(INT4_MAX);
const read = authorized('pipelines', 'viewer');
const write = authorized('pipelines', 'editor');

export const pipelinesRouter = createTRPCRouter({
  list: read.query(({ ctx }) => listPipelines(ctx.db)),
  get: read
    .input(z.object({ slug, version: version.optional() }))
    .query(({ ctx, input }) => getPipelineVersion(ctx.db, input.slug, input.version, ctx.actor)),
  versions: read.input(z.object({ slug })).query(({ ctx, input }) => listPipelineVersions(ctx.db, input.slug)),
  diff: read
    .input(z.object({ slug, from: version, to: version }))
    .query(({ ctx, input }) => diffPipelineVersions(ctx.db, input.slug, input.from, input.to, ctx.actor)),
  disable: write.input(z.object({ slug })).mutation(({ ctx, input }) => disablePipeline(ctx, input.slug)),
  enable: write.input(z.object({ slug })).mutation(({ ctx, input }) => enablePipeline(ctx, input.slug)),
  delete: authorized('pipelines', 'admin')
    .input(z.object({ slug }))
    .mutation(({ ctx, input }) => deletePipeline(ctx, input.slug)),
  /** Every problem of a spec, each with its path; stores nothing. */
  validate: read.input(z.object({ spec: z.unknown() })).mutation(({ ctx, input }) => ({
    problems: pipelineSpecProblems(input.spec, { minScheduleIntervalS: ctx.config.minScheduleIntervalS }),
  })),
  /** Creates the pipeline or a new immutable version of it (none when the spec is unchanged). */
  push: write.input(z.object({ spec: z.unknown() })).mutation(async ({ ctx, input }) => {
    const { slug, version, created } = await pushPipeline(ctx, input.spec);
    return { slug, version, created };
  }),
});
