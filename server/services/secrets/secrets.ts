// Writes of secrets and connections: create, update (non-secret fields), rotate (secret values), delete, and
// re-encryption under a new key. Every change is audited (who, what, which fields; never a value). Nothing here
// returns a secret value: the workers decrypt them for the steps granted them (grants.ts).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SECRET_TYPE_DEFS, SECRET_TYPES, type SecretType, secretNameSchema, splitFields } from '~/common/secrets';
import type { Db } from '~/server/db';
import type { SecretAction } from '~/server/generated/prisma/enums';
import { AppError, type FieldProblem } from '~/server/errors';
import { decryptValues, encryptValues, keyId, SecretDecryptError } from './crypto';

export interface SecretsDeps {
  db: Db;
  config: { secretKey?: Buffer };
  actor: { id: string; name: string };
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export const createSecretInput = z.object({
  name: secretNameSchema,
  type: z.enum(SECRET_TYPES),
  description: z.string().max(1_000).default(''),
  /** Every field of the type: non-secret ones are stored in clear, secret ones encrypted. */
  values: z.record(z.string(), z.unknown()),
});
export const updateSecretInput = z.object({
  name: secretNameSchema,
  description: z.string().max(1_000).optional(),
  /** Non-secret fields to change (null clears an optional one). Secret fields are set with rotate. */
  values: z.record(z.string(), z.unknown()).default({}),
});
export const rotateSecretInput = z.object({
  name: secretNameSchema,
  /** New values of secret fields; those not given keep theirs. */
  values: z.record(z.string(), z.unknown()),
});

export interface SecretChange {
  name: string;
  type: SecretType;
  action: SecretAction;
  fields: string[];
}

export async function createSecret(deps: SecretsDeps, input: z.input<typeof createSecretInput>): Promise<SecretChange> {
  const { name, type, description, values } = createSecretInput.parse(input);
  const key = requireKey(deps);
  const parsed = parseValues(type, values);
  const { plain, secret } = splitFields(type, parsed);
  const id = randomUUID();
  return deps.db.$transaction(async (tx) => {
    if (await tx.secret.findUnique({ where: { name }, select: { id: true } }))
      throw new AppError('CONFLICT', `A secret named "${name}" already exists`, [
        { path: ['name'], message: 'is taken' },
      ]);
    await tx.secret.create({
      data: {
        id,
        name,
        type,
        description,
        fields: plain as object,
        ciphertext: encryptValues(key, id, secret),
        keyId: keyId(key),
        createdBy: deps.actor.name,
        updatedBy: deps.actor.name,
      },
    });
    return audit(tx, deps.actor, { name, type, action: 'created', fields: Object.keys(parsed) });
  });
}

export async function updateSecret(deps: SecretsDeps, input: z.input<typeof updateSecretInput>): Promise<SecretChange> {
  const { name, description, values } = updateSecretInput.parse(input);
  return deps.db.$transaction(async (tx) => {
    const row = await lockSecret(tx, name);
    const type = row.type as SecretType;
    const secretGiven = Object.keys(values).filter((f) => isSecret(type, f));
    if (secretGiven.length)
      throw AppError.badRequest(
        'Secret fields are set by rotating',
        secretGiven.map((f) => ({ path: ['values', f], message: 'is secret: set it with secrets.rotate' })),
      );
    const plain = { ...(row.fields as Record<string, unknown>) };
    for (const [field, value] of Object.entries(values))
      if (value === null) delete plain[field];
      else plain[field] = value;
    const stored = parseValues(type, plain, { withoutSecrets: true });
    await tx.secret.update({
      where: { id: row.id },
      data: { fields: stored as object, description: description ?? row.description, updatedBy: deps.actor.name },
    });
    const changed = [...Object.keys(values), ...(description !== undefined ? ['description'] : [])];
    return audit(tx, deps.actor, { name, type, action: 'updated', fields: changed });
  });
}

/** New secret values: re-encrypted under the current key; the steps of runs that start later get them. */
export async function rotateSecret(deps: SecretsDeps, input: z.input<typeof rotateSecretInput>): Promise<SecretChange> {
  const { name, values } = rotateSecretInput.parse(input);
  const key = requireKey(deps);
  return deps.db.$transaction(async (tx) => {
    const row = await lockSecret(tx, name);
    const type = row.type as SecretType;
    const problems: FieldProblem[] = Object.keys(values)
      .filter((f) => !isSecret(type, f))
      .map((f) => ({ path: ['values', f], message: 'is not a secret field of this type: set it with secrets.update' }));
    if (problems.length) throw AppError.badRequest('Only secret fields are rotated', problems);
    if (!Object.keys(values).length)
      throw AppError.badRequest('Nothing to rotate', [{ path: ['values'], message: 'must set a secret field' }]);
    const current = decryptRow(key, row);
    const merged = { ...current, ...values };
    const checked = parseValues(type, { ...(row.fields as Record<string, unknown>), ...merged });
    const { secret } = splitFields(type, checked);
    await tx.secret.update({
      where: { id: row.id },
      data: {
        ciphertext: encryptValues(key, row.id, secret),
        keyId: keyId(key),
        valueVersion: { increment: 1 },
        rotatedAt: new Date(),
        updatedBy: deps.actor.name,
      },
    });
    return audit(tx, deps.actor, { name, type, action: 'rotated', fields: Object.keys(values) });
  });
}

/** Deletes a secret that no pipeline's latest version names (a run of an older version would fail without it). */
export async function deleteSecret(deps: Omit<SecretsDeps, 'config'>, name: string): Promise<SecretChange> {
  return deps.db.$transaction(async (tx) => {
    const row = await lockSecret(tx, name);
    const users = await pipelinesNaming(tx, name);
    if (users.length)
      throw new AppError(
        'CONFLICT',
        `"${name}" is used by ${users.map((u) => `pipeline ${u}`).join(', ')}: remove it from their specs first`,
      );
    await tx.secret.delete({ where: { id: row.id } });
    return audit(tx, deps.actor, { name, type: row.type as SecretType, action: 'deleted', fields: [] });
  });
}

/**
 * Re-encrypts every secret under a new key, in one transaction (all or nothing). Rows already under the new key
 * are left alone, so an interrupted re-key can be run again. The values do not change; each row is audited.
 */
export async function reencryptSecrets(
  db: Db,
  keys: { from: Buffer; to: Buffer },
  actor: SecretsDeps['actor'],
): Promise<{ reencrypted: number; unchanged: number }> {
  const toId = keyId(keys.to);
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`LOCK TABLE "Secret" IN SHARE ROW EXCLUSIVE MODE`;
      const rows = await tx.secret.findMany({ orderBy: { name: 'asc' } });
      let reencrypted = 0;
      for (const row of rows) {
        if (row.keyId === toId) continue;
        const values = decryptRow(keys.from, row);
        await tx.secret.update({
          where: { id: row.id },
          data: { ciphertext: encryptValues(keys.to, row.id, values), keyId: toId },
        });
        await audit(tx, actor, { name: row.name, type: row.type as SecretType, action: 'rekeyed', fields: [] });
        reencrypted++;
      }
      return { reencrypted, unchanged: rows.length - reencrypted };
    },
    { timeout: 120_000 },
  );
}

/** The names a pipeline's latest version uses, for the delete check. */
async function pipelinesNaming(tx: Tx, name: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ slug: string }[]>`
    SELECT p.slug FROM "Pipeline" p
    JOIN "PipelineVersion" v ON v."pipelineId" = p.id AND v.version = p."latestVersion"
    WHERE p."deletedAt" IS NULL AND (EXISTS (
      SELECT 1 FROM jsonb_array_elements(COALESCE(v.spec->'alerts', '[]'::jsonb)) a WHERE a->>'connection' = ${name}
    ) OR EXISTS (
      SELECT 1 FROM jsonb_array_elements(v.spec->'steps') s
      WHERE s->>'connection' = ${name}
         OR s#>>'{sensor,check,connection}' = ${name}
         OR EXISTS (SELECT 1 FROM jsonb_each_text(COALESCE(s->'secrets', '{}'::jsonb)) g WHERE g.value = ${name})
    ))
    ORDER BY p.slug`;
  return rows.map((r) => r.slug);
}

function requireKey(deps: Pick<SecretsDeps, 'config'>): Buffer {
  if (!deps.config.secretKey)
    throw new AppError(
      'UNAVAILABLE',
      'Secrets need BREWLINE_SECRET_KEY on the server (npm run setup makes one for the embedded stack)',
    );
  return deps.config.secretKey;
}

async function lockSecret(tx: Tx, name: string) {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Secret" WHERE name = ${name} FOR UPDATE`;
  if (!locked) throw AppError.notFound(`Secret "${name}"`);
  return tx.secret.findUniqueOrThrow({ where: { id: locked.id } });
}

function decryptRow(key: Buffer, row: { id: string; name: string; keyId: string; ciphertext: string }) {
  if (row.keyId !== keyId(key))
    throw new AppError(
      'CONFLICT',
      `"${row.name}" is encrypted under another key (${row.keyId}); re-encrypt with npm run secrets:rekey`,
    );
  try {
    return decryptValues(key, row.id, row.ciphertext);
  } catch (err) {
    if (err instanceof SecretDecryptError)
      throw new AppError('CONFLICT', `"${row.name}" does not decrypt: ${err.message}`, [], { cause: err });
    throw err;
  }
}

/** The values checked against the type's schema (defaults filled); problems name values.<field>, never a value. */
function parseValues(
  type: SecretType,
  values: Record<string, unknown>,
  opts: { withoutSecrets?: boolean } = {},
): Record<string, unknown> {
  const { schema, fields } = SECRET_TYPE_DEFS[type];
  const secretFields = Object.fromEntries(fields.filter((f) => f.secret).map((f) => [f.name, true as const]));
  const parsed = (opts.withoutSecrets ? schema.omit(secretFields as never) : schema).safeParse(values);
  if (!parsed.success)
    throw AppError.badRequest(
      `Invalid ${type} fields`,
      parsed.error.issues.map((i) => ({
        path: ['values', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
        message: i.message,
      })),
    );
  return parsed.data as Record<string, unknown>;
}

const isSecret = (type: SecretType, field: string) =>
  SECRET_TYPE_DEFS[type].fields.some((f) => f.name === field && f.secret);

async function audit(
  tx: Tx,
  actor: SecretsDeps['actor'],
  change: { name: string; type: SecretType; action: SecretAction; fields: string[] },
): Promise<SecretChange> {
  await tx.secretAuditEvent.create({
    data: {
      secretName: change.name,
      secretType: change.type,
      action: change.action,
      fields: change.fields,
      actor: actor.name,
      actorId: actor.id,
    },
  });
  return change;
}
