// Secrets and connections: readers see names, types and non-secret fields; editors and admins create, update,
// rotate and delete. No procedure returns a secret value (write-only): only the workers decrypt them, for steps.
import { z } from 'zod';
import { secretNameSchema } from '~/common/secrets';
import { authorized, createTRPCRouter } from '~/server/api/trpc';
import { getSecret, listSecretAudit, listSecrets } from '~/server/presenters/secrets';
import {
  createSecret,
  createSecretInput,
  deleteSecret,
  rotateSecret,
  rotateSecretInput,
  updateSecret,
  updateSecretInput,
} from '~/server/services/secrets/secrets';

const read = authorized('secrets', 'viewer');
const write = authorized('secrets', 'editor');

export const secretsRouter = createTRPCRouter({
  list: read.query(({ ctx }) => listSecrets(ctx.db)),
  get: read.input(z.object({ name: secretNameSchema })).query(({ ctx, input }) => getSecret(ctx.db, input.name)),
  /** Who changed what and when (field names, never values), newest first. */
  audit: read
    .input(z.object({ name: secretNameSchema.optional(), limit: z.number().int().min(1).max(500).default(100) }))
    .query(({ ctx, input }) => listSecretAudit(ctx.db, input)),
  create: write.input(createSecretInput).mutation(({ ctx, input }) => createSecret(ctx, input)),
  /** The description and non-secret fields. */
  update: write.input(updateSecretInput).mutation(({ ctx, input }) => updateSecret(ctx, input)),
  /** New secret values (fields not given keep theirs). */
  rotate: write.input(rotateSecretInput).mutation(({ ctx, input }) => rotateSecret(ctx, input)),
  delete: write.input(z.object({ name: secretNameSchema })).mutation(({ ctx, input }) => deleteSecret(ctx, input.name)),
});
