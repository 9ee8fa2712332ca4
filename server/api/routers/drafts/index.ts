// The notebook's drafts: each person's unsaved edits of a pipeline, saved as a new version when they publish.
import { z } from 'zod';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { discardDraft, draftOwner, getDraft, publishDraft, saveDraft } from '~/server/services/drafts/drafts';

const slug = z.string().min(1).max(100);
const read = authorized('pipelines', 'viewer');
const write = authorized('pipelines', 'editor');

export const draftsRouter = createTRPCRouter({
  /** The caller's draft (code inline), or null: nobody else's is ever shown. */
  get: read
    .input(z.object({ slug }))
    .query(({ ctx, input }) => (ctx.actor.kind === 'user' ? getDraft(ctx.db, input.slug, ctx.actor.id) : null)),
  /** Stores the caller's draft; an invalid one is refused (BAD_REQUEST), each problem at its field. */
  save: write
    .input(z.object({ slug, spec: z.unknown() }))
    .mutation(({ ctx, input }) => saveDraft(ctx, input.slug, draftOwner(ctx.actor), input.spec)),
  discard: write
    .input(z.object({ slug }))
    .mutation(({ ctx, input }) => discardDraft(ctx.db, input.slug, draftOwner(ctx.actor))),
  /** The draft as the pipeline's next version; returns it and what changed (code line by line). */
  publish: write
    .input(z.object({ slug }))
    .mutation(({ ctx, input }) => publishDraft(ctx, input.slug, draftOwner(ctx.actor))),
});
