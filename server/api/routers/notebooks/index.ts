// Jupyter notebooks in and out: import one as a pipeline's new version, export a version (with a run's outputs);
// and the notebook page's stored outputs.
import { z } from 'zod';
import { INT4_MAX } from '~/common/limits';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { artifactStoreFor } from '~/server/artifacts/store';
import { notebookOutputs } from '~/server/presenters/cell-outputs';
import { exportNotebook, importNotebook } from '~/server/services/notebooks/notebooks';

const slug = z.string().min(1).max(100);

export const notebooksRouter = createTRPCRouter({
  /** The notebook (nbformat 4 JSON) as a new version of the pipeline `slug`; every problem names its cell. */
  import: authorized('pipelines', 'editor')
    .input(z.object({ notebook: z.unknown(), slug, name: z.string().min(1).max(200).optional() }))
    .mutation(({ ctx, input }) => importNotebook(ctx, input)),
  /** A version as nbformat 4.5 JSON, with the outputs of one item of a run when runId is given. */
  export: authorized('pipelines', 'viewer')
    .input(
      z.object({
        slug,
        version: z.number().int().min(1).max(INT4_MAX).optional(),
        runId: z.uuid().optional(),
        itemKey: z.string().max(128).optional(),
      }),
    )
    .query(({ ctx, input }) => exportNotebook({ db: ctx.db, store: artifactStoreFor(ctx.config) }, ctx.actor, input)),
  /** Each cell's stored output for one item (its latest attempt among the pipeline's runs), for the notebook page. */
  outputs: authorized('pipelines', 'viewer')
    .input(z.object({ slug, itemKey: z.string().max(128).optional() }))
    .query(({ ctx, input }) => notebookOutputs(ctx.db, input)),
});
