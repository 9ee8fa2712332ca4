// API tokens for programs: shown once, stored hashed, with a role, scopes and an expiry; revocable.
import { z } from 'zod';
import { hasRole, ROLE_RANK, SCOPES, type Actor, type Role, type Scope } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { hashSecret, newSecret } from './secrets';

const TOKEN_PREFIX = 'brw_';

export const newTokenInput = z.object({
  name: z.string().min(1).max(100),
  role: z.enum(['viewer', 'editor', 'admin']),
  scopes: z.array(z.enum(SCOPES)).min(1),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

export async function createApiToken(db: Db, creator: Actor, input: z.input<typeof newTokenInput>) {
  const { name, role, scopes, expiresInDays } = newTokenInput.parse(input);
  if (!hasRole(creator, role as Role))
    throw new AppError('FORBIDDEN', `You cannot create a token with the ${role} role`, [
      { path: ['role'], message: 'exceeds your own role' },
    ]);
  const token = newSecret(TOKEN_PREFIX);
  const row = await db.apiToken.create({
    data: {
      name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      tokenHash: hashSecret(token),
      role: role as Role,
      scopes,
      createdById: creator.id,
      expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
    },
  });
  return { id: row.id, token, prefix: row.prefix, expiresAt: row.expiresAt };
}

export async function revokeApiToken(db: Db, id: string): Promise<void> {
  const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count === 0 && !(await db.apiToken.findUnique({ where: { id } }))) throw AppError.notFound(`token ${id}`);
}

export async function listApiTokens(db: Db) {
  return db.apiToken.findMany({
    orderBy: { createdAt: 'desc' },
    select: {
      id: true,
      name: true,
      prefix: true,
      role: true,
      scopes: true,
      createdAt: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      createdBy: { select: { email: true } },
    },
  });
}

/**
 * The actor for a bearer token, or null when it is unknown, revoked or expired, or its creator is disabled. A token
 * acts with its own role or its creator's present one, whichever is lower: demoting a person demotes their tokens.
 */
export async function actorForToken(db: Db, token: string): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    include: { createdBy: { select: { role: true, disabledAt: true } } },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date()) || row.createdBy.disabledAt) return null;
  void db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  return {
    kind: 'token',
    id: row.id,
    name: row.name,
    role: ROLE_RANK[row.createdBy.role] < ROLE_RANK[row.role] ? row.createdBy.role : row.role,
    scopes: row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
  };
}
