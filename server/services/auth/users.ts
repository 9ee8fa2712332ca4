// Portal users: created by an admin (or by setup for the first admin), passwords hashed with argon2id.
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import type { Role } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';

export const newUserInput = z.object({
  email: z
    .email()
    .max(200)
    .transform((e) => e.toLowerCase()),
  name: z.string().min(1).max(200),
  role: z.enum(['viewer', 'editor', 'admin']),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
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
  const user = await db.user.create({ data: { email, name, role: role as Role, passwordHash: await hash(password) } });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** The user for these credentials, or null; the same answer and similar time for a wrong email or password. */
export async function checkPassword(db: Db, email: string, password: string) {
  const user = await db.user.findUnique({ where: { email: email.toLowerCase() } });
  // verify against a throwaway hash when there is no such user, so timing does not reveal which emails exist
  const ok = await verify(user?.passwordHash ?? (await dummyHash()), password).catch(() => false);
  return user && ok && !user.disabledAt ? user : null;
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hash('not a real password'));

export async function listUsers(db: Db) {
  return db.user.findMany({
    orderBy: { email: 'asc' },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true },
  });
}
