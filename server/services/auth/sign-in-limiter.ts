// The sign-in limiter: failed password checks counted per account (the email, known or not, so that a refusal says
// nothing about which accounts exist) and per client address, in a fixed window. Kept in Postgres, one row per key:
// every portal process shares the counts and a restart forgets none, for two small statements next to an argon2
// hash that costs far more. An attempt is counted before its password is checked, in one atomic statement, so that
// concurrent attempts (a tRPC batch of many signIn calls in one request) cannot all pass before any is counted; a
// success takes its attempt back.
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';

export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

/** Who is trying: the account's email (lower-cased) and the client's address when the request has one. */
export interface SignInAttempt {
  email: string;
  address: string | null;
}

const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
const addressKey = (address: string) => `address:${address}`;

/** Counts one attempt against the account and the address; refuses it (429) once either is over its limit. */
export async function countAttempt(db: Db, limits: SignInLimits, attempt: SignInAttempt): Promise<void> {
  await pruneNowAndThen(db, limits.windowMs);
  const account = await increment(db, accountKey(attempt.email), limits.windowMs);
  if (account.failures > limits.perAccount) throw tooMany('for this account', account.windowStart, limits.windowMs);
  if (attempt.address === null) return;
  const address = await increment(db, addressKey(attempt.address), limits.windowMs);
  if (address.failures > limits.perAddress) throw tooMany('from your address', address.windowStart, limits.windowMs);
}

/** A success: the account starts afresh, and the address gets its attempt back (but not its earlier failures). */
export async function forgiveAttempt(db: Db, attempt: SignInAttempt): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: accountKey(attempt.email) } });
  if (attempt.address !== null)
    await db.signInThrottle.updateMany({
      where: { key: addressKey(attempt.address), failures: { gt: 0 } },
      data: { failures: { decrement: 1 } },
    });
}

async function increment(db: Db, key: string, windowMs: number): Promise<{ failures: number; windowStart: Date }> {
  // a window that has ended starts again at this attempt
  const rows = await db.$queryRaw<{ failures: number; windowStart: Date }[]>`
    INSERT INTO "SignInThrottle" ("key", "failures", "windowStart") VALUES (${key}, 1, now())
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "SignInThrottle"."windowStart" <= now() - make_interval(secs => ${windowMs / 1000})
        THEN 1 ELSE "SignInThrottle"."failures" + 1 END,
      "windowStart" = CASE WHEN "SignInThrottle"."windowStart" <= now() - make_interval(secs => ${windowMs / 1000})
        THEN now() ELSE "SignInThrottle"."windowStart" END
    RETURNING "failures", "windowStart"`;
  return rows[0]!;
}

function tooMany(where: string, windowStart: Date, windowMs: number): AppError {
  const minutes = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - Date.now()) / 60_000));
  return new AppError(
    'TOO_MANY_REQUESTS',
    `Too many failed sign-ins ${where}: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
  );
}

let lastPrune = 0;
/** Rows of ended windows are dropped, at most once a minute per process, so that the table stays small. */
async function pruneNowAndThen(db: Db, windowMs: number): Promise<void> {
  if (Date.now() - lastPrune < 60_000) return;
  lastPrune = Date.now();
  await db.signInThrottle.deleteMany({ where: { windowStart: { lt: new Date(Date.now() - windowMs) } } });
}
