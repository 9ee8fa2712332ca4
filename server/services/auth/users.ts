// Portal users: created by an admin (or by setup for the first admin), passwords hashed with argon2id.
import { z } from 'zod';
import type { Role } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { hashPassword, needsRehash, verifyPassword } from './passwords';

export const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(200);

export const newUserInput = z.object({
  email: z
    .email()
    .max(200)
    .transform((e) => e.toLowerCase()),
  name: z.string().min(1).max(200),
  role: z.enum(['viewer', 'editor', 'admin']),
  password: passwordSchema,
});

export async function createUser(db: Db, input: z.input<typeof newUserInput>) {
  const parsed = newUserInput.safeParse(input);
  if (!parsed.success)
    throw AppError.badRequest(
      'The user is invalid',
      parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    );
  const { email, name, role, password } = parsed.data;
  if (await db.user.findUnique({ where: { email } }))
    throw new AppError('CONFLICT', `a user with email ${email} exists`, [{ path: ['email'], message: 'is taken' }]);
  const user = await db.user.create({
    data: { email, name, role: role as Role, passwordHash: await hashPassword(password) },
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/**
 * The user for these credentials, or null; the same answer and similar time for a wrong email or password. A hash
 * made with weaker settings than today's is replaced while the password is at hand.
 */
export async function checkPassword(db: Db, email: string, password: string) {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  // verify against a throwaway hash when there is no such user, so timing does not reveal which emails exist
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
  if (!user || !ok || user.disabledAt) return null;
  if (needsRehash(user.passwordHash))
    // only if the hash is still the one checked: a password changed meanwhile wins
    await db.user.updateMany({
      where: { id: user.id, passwordHash: user.passwordHash },
      data: { passwordHash: await hashPassword(password) },
    });
  return user;
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword('not a real password'));

export async function listUsers(db: Db) {
  const users = await db.user.findMany({
    orderBy: { email: 'asc' },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      disabledAt: true,
      createdAt: true,
      _count: { select: { sessions: { where: { expiresAt: { gt: new Date() } } } } },
    },
  });
  return users.map(({ _count, ...u }) => ({ ...u, sessions: _count.sessions }));
}
