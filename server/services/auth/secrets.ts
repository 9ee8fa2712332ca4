import { createHash, randomBytes } from 'node:crypto';

/** A high-entropy secret (session or API token). Stored only as its sha256: a leaked table reveals no secret. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
