// Read models of secrets and connections: names, types, non-secret fields and who changed them. The ciphertext is
// never selected, so no read can return a value, whoever asks.
import { SECRET_TYPE_DEFS, type SecretType } from '~/common/secrets';
import type { Db, Prisma } from '~/server/db';
import type { SecretAction } from '~/server/generated/prisma/enums';
import { AppError } from '~/server/errors';

export interface SecretEntry {
  name: string;
  type: SecretType;
  description: string;
  /** The non-secret fields (a host, a bucket, a base URL). */
  fields: Record<string, unknown>;
  /** The names of the type's secret fields (write-only: their values are never returned). */
  secretFields: string[];
  valueVersion: number;
  rotatedAt: Date;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SecretAuditEntry {
  id: string;
  secretName: string;
  secretType: string;
  action: SecretAction;
  fields: string[];
  actor: string;
  createdAt: Date;
}

const SELECT = {
  name: true,
  type: true,
  description: true,
  fields: true,
  valueVersion: true,
  rotatedAt: true,
  createdBy: true,
  updatedBy: true,
  createdAt: true,
  updatedAt: true,
} as const;

type Row = Prisma.SecretGetPayload<{ select: typeof SELECT }>;

function entry(row: Row): SecretEntry {
  const type = row.type as SecretType;
  const defs = SECRET_TYPE_DEFS[type]?.fields ?? [];
  const plain = (row.fields ?? {}) as Record<string, unknown>;
  // only non-secret fields are stored in clear; the filter keeps a field that was secret once out all the same
  const fields = Object.fromEntries(
    Object.entries(plain).filter(([name]) => defs.some((f) => f.name === name && !f.secret)),
  );
  return {
    name: row.name,
    type,
    description: row.description,
    fields,
    secretFields: defs.filter((f) => f.secret).map((f) => f.name),
    valueVersion: row.valueVersion,
    rotatedAt: row.rotatedAt,
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listSecrets(db: Db): Promise<SecretEntry[]> {
  const rows = await db.secret.findMany({ select: SELECT, orderBy: { name: 'asc' } });
  return rows.map(entry);
}

export async function getSecret(db: Db, name: string): Promise<SecretEntry> {
  const row = await db.secret.findUnique({ where: { name }, select: SELECT });
  if (!row) throw AppError.notFound(`Secret "${name}"`);
  return entry(row);
}

/** Changes, newest first: of one secret (also after it was deleted), or of all. */
export async function listSecretAudit(
  db: Db,
  filter: { name?: string; limit?: number } = {},
): Promise<SecretAuditEntry[]> {
  return db.secretAuditEvent.findMany({
    where: filter.name ? { secretName: filter.name } : {},
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit ?? 100,
    select: { id: true, secretName: true, secretType: true, action: true, fields: true, actor: true, createdAt: true },
  });
}
