// Password hashes: argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane), stated here rather than left to the
// library's defaults. Hashes made with weaker settings still verify, and are replaced at the next sign-in.
import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

const ARGON2ID = 2 as Algorithm;
export const PASSWORD_HASH = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH);
}

/** Whether the password matches the stored hash; false for a hash that cannot be read. */
export function verifyPassword(stored: string, password: string): Promise<boolean> {
  return verify(stored, password).catch(() => false);
}

/** Whether a stored hash was made with weaker settings than today's (another algorithm, less memory, fewer passes). */
export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return (
      o.algorithm !== PASSWORD_HASH.algorithm ||
      o.memoryCost < PASSWORD_HASH.memoryCost ||
      o.timeCost < PASSWORD_HASH.timeCost
    );
  } catch {
    return true;
  }
}
