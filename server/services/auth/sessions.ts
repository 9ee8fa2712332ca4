// Portal sessions: a random cookie value; the database keeps its hash.
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { checkPassword } from './users';
import { hashSecret, newSecret } from './secrets';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export async function signIn(db: Db, email: string, password: string): Promise<{ cookie: string; expiresAt: Date }> {
  const user = await checkPassword(db, email, password);
  if (!user) throw new AppError('UNAUTHORIZED', 'Wrong email or password');
  const cookie = newSecret('');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.session.create({ data: { userId: user.id, tokenHash: hashSecret(cookie), expiresAt } });
  return { cookie, expiresAt };
}

export async function signOut(db: Db, cookie: string): Promise<void> {
  await db.session.deleteMany({ where: { tokenHash: hashSecret(cookie) } });
}

export async function userForSession(db: Db, cookie: string) {
  const session = await db.session.findUnique({ where: { tokenHash: hashSecret(cookie) }, include: { user: true } });
  if (!session || session.expiresAt < new Date() || session.user.disabledAt) return null;
  return session.user;
}
