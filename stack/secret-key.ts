// The embedded stack's BREWLINE_SECRET_KEY: generated once by `npm run setup` into the data folder (readable by its
// owner only; step sandboxes never see the data folder), and passed by `npm start` to the portal and the workers.
// A deployment sets BREWLINE_SECRET_KEY itself and never uses this file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from './paths';

export const SECRET_KEY_FILE = path.join(DATA_DIR, 'secret-key');

/** Makes the key file unless BREWLINE_SECRET_KEY is set or the file exists; says which. */
export function ensureSecretKeyFile(): string {
  if (process.env.BREWLINE_SECRET_KEY) return 'BREWLINE_SECRET_KEY is set: using it';
  const shown = path.relative(process.cwd(), SECRET_KEY_FILE);
  if (existsSync(SECRET_KEY_FILE)) return `${shown} (kept)`;
  mkdirSync(DATA_DIR, { recursive: true });
  writeFileSync(SECRET_KEY_FILE, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return `${shown} (new: back it up with the database; secrets cannot be read without it)`;
}

/** The key file's key, if there is one. */
export function readSecretKeyFile(): string | undefined {
  return existsSync(SECRET_KEY_FILE) ? readFileSync(SECRET_KEY_FILE, 'utf8').trim() : undefined;
}
