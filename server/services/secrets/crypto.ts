// Secret values at rest: AES-256-GCM under BREWLINE_SECRET_KEY, a fresh 96-bit IV per encryption, and the secret's
// row id as associated data (a ciphertext copied onto another row does not decrypt).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Names a key without revealing it: the first 16 hex digits of its sha256 (stored beside each ciphertext). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A fresh key, as base64: what `npm run setup` writes for the embedded stack. */
export function newSecretKey(): string {
  return randomBytes(32).toString('base64');
}

export function encryptValues(key: Buffer, rowId: string, values: Record<string, unknown>): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(rowId));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

export class SecretDecryptError extends Error {}

export function decryptValues(key: Buffer, rowId: string, blob: string): Record<string, unknown> {
  const [version, iv, tag, ciphertext] = blob.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined)
    throw new SecretDecryptError('unknown ciphertext format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(rowId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new SecretDecryptError('the value does not decrypt under this key (wrong key, or altered)', {
      cause: err,
    });
  }
}
