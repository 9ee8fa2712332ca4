// What an admin does to a person: change their role, disable or enable them, reset their password, end their
// sessions. The portal keeps an active admin: the last one cannot be demoted or disabled.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Role } from '~/server/auth/actor';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { hashPassword } from './passwords';

export const userIdInput = z.object({ userId: z.string().min(1).max(100) });
export const setRoleInput = userIdInput.extend({ role: z.enum(['viewer', 'editor', 'admin']) });
export const setDisabledInput = userIdInput.extend({ disabled: z.boolean() });

// every change of who is an active admin takes this lock, so two admins demoting each other cannot both succeed
const ADMINS_LOCK = 0x4144_4d49_4e53; // "ADMINS"

/** Changes a person's role and whether they are disabled, keeping at least one active admin. */
async function changeStanding(db: Db, userId: string, change: { role?: Role; disabled?: boolean }) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMINS_LOCK}::bigint)`;
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw AppError.notFound(`user ${userId}`);
    const disabled = change.disabled ?? user.disabledAt !== null;
    const wasActiveAdmin = user.role === 'admin' && user.disabledAt === null;
    const staysActiveAdmin = (change.role ?? user.role) === 'admin' && !disabled;
    if (wasActiveAdmin && !staysActiveAdmin) {
      const others = await tx.user.count({ where: { role: 'admin', disabledAt: null, id: { not: userId } } });
      if (others === 0)
        throw new AppError(
          'CONFLICT',
          `${user.email} is the last active admin: make another person admin before demoting or disabling them`,
        );
    }
    const updated = await tx.user.update({
      where: { id: userId },
      data: {
        role: change.role,
        disabledAt: disabled ? (user.disabledAt ?? new Date()) : null,
      },
      select: { id: true, email: true, role: true, disabledAt: true },
    });
    // a disabled person's sessions end now (their tokens stop at once too: actorForToken checks the creator)
    if (disabled) await tx.session.deleteMany({ where: { userId } });
    return updated;
  });
}

export function setUserRole(db: Db, input: z.input<typeof setRoleInput>) {
  const { userId, role } = setRoleInput.parse(input);
  return changeStanding(db, userId, { role });
}

export function setUserDisabled(db: Db, input: z.input<typeof setDisabledInput>) {
  const { userId, disabled } = setDisabledInput.parse(input);
  return changeStanding(db, userId, { disabled });
}

/** A new generated password, returned once (only its hash is kept); every session of the person ends. */
export async function resetUserPassword(db: Db, input: z.input<typeof userIdInput>): Promise<{ password: string }> {
  const { userId } = userIdInput.parse(input);
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const { count } = await db.user.updateMany({ where: { id: userId }, data: { passwordHash } });
  if (count === 0) throw AppError.notFound(`user ${userId}`);
  await db.session.deleteMany({ where: { userId } });
  return { password };
}

/** Signs a person out everywhere. */
export async function endUserSessions(db: Db, input: z.input<typeof userIdInput>): Promise<{ ended: number }> {
  const { userId } = userIdInput.parse(input);
  if (!(await db.user.findUnique({ where: { id: userId }, select: { id: true } })))
    throw AppError.notFound(`user ${userId}`);
  const { count } = await db.session.deleteMany({ where: { userId } });
  return { ended: count };
}
