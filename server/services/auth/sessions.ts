// Portal sessions: a random cookie value; the database keeps its hash.
import { z } from 'zod';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { forgetGeneratedAdminPassword } from './first-admin';
import { hashPassword, verifyPassword } from './passwords';
import { hashSecret, newSecret } from './secrets';
import { countAttempt, forgiveAttempt, type SignInLimits } from './sign-in-limiter';
import { checkPassword, passwordSchema } from './users';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface SignInDeps {
  db: Db;
  limits: SignInLimits;
  /** Where setup keeps the first admin's generated password, removed at that admin's first sign-in. */
  dataDir?: string;
}

/** A session for these credentials; every attempt counts against the account and the address (429 past limits). */
export async function signIn(
  deps: SignInDeps,
  input: { email: string; password: string; address: string | null },
): Promise<{ cookie: string; expiresAt: Date }> {
  const attempt = { email: input.email, address: input.address };
  await countAttempt(deps.db, deps.limits, attempt);
  const user = await checkPassword(deps.db, input.email, input.password);
  if (!user) throw new AppError('UNAUTHORIZED', 'Wrong email or password');
  await forgiveAttempt(deps.db, attempt);
  const cookie = newSecret('');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await deps.db.session.create({ data: { userId: user.id, tokenHash: hashSecret(cookie), expiresAt } });
  if (deps.dataDir)
    await forgetGeneratedAdminPassword(deps.dataDir, user.email).catch((err: unknown) =>
      console.warn(`could not remove the first admin's password file: ${String(err)}`),
    );
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

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

/**
 * A person changes their own password: the current one is checked (and counted by the sign-in limiter, so that a
 * stolen session cannot guess it), and every other session of theirs ends. `keep` is the session making the change.
 */
export async function changeOwnPassword(
  deps: Pick<SignInDeps, 'db' | 'limits'>,
  who: { userId: string; keep: string | null; address: string | null },
  input: z.input<typeof changePasswordInput>,
): Promise<{ endedSessions: number }> {
  const parsed = changePasswordInput.safeParse(input);
  if (!parsed.success)
    throw AppError.badRequest(
      'The new password is invalid',
      parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    );
  const { currentPassword, newPassword } = parsed.data;
  const user = await deps.db.user.findUnique({ where: { id: who.userId } });
  if (!user || user.disabledAt) throw new AppError('UNAUTHORIZED', 'Sign in again');
  const attempt = { email: user.email, address: who.address };
  await countAttempt(deps.db, deps.limits, attempt);
  if (!(await verifyPassword(user.passwordHash, currentPassword)))
    throw AppError.badRequest('The current password is wrong', [
      { path: ['currentPassword'], message: 'is not your current password' },
    ]);
  await forgiveAttempt(deps.db, attempt);
  if (newPassword === currentPassword)
    throw AppError.badRequest('The new password is the current one', [
      { path: ['newPassword'], message: 'must differ from the current one' },
    ]);
  const passwordHash = await hashPassword(newPassword);
  const [, ended] = await deps.db.$transaction([
    deps.db.user.update({ where: { id: user.id }, data: { passwordHash } }),
    deps.db.session.deleteMany({
      where: { userId: user.id, ...(who.keep ? { tokenHash: { not: hashSecret(who.keep) } } : {}) },
    }),
  ]);
  return { endedSessions: ended.count };
}
