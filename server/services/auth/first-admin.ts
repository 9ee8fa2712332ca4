// The first admin's generated password: setup prints it once and keeps it in <data dir>/admin-credentials.txt,
// readable by its owner only, until that admin first signs in (then the portal removes the file).
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.txt';

/** Writes the file afresh with mode 0600 (never through a file an earlier setup left, whatever its mode). */
export function saveGeneratedAdminPassword(dataDir: string, email: string, password: string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, ADMIN_CREDENTIALS_FILE);
  rmSync(file, { force: true });
  writeFileSync(file, `email: ${email}\npassword: ${password}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** A file an older setup wrote (perhaps readable by others) becomes readable by its owner only. */
export function protectAdminPasswordFile(dataDir: string): void {
  const file = path.join(dataDir, ADMIN_CREDENTIALS_FILE);
  if (existsSync(file)) chmodSync(file, 0o600);
}

/** Removes the file once the admin it names has signed in; whether it did. */
export async function forgetGeneratedAdminPassword(dataDir: string, email: string): Promise<boolean> {
  const file = path.join(dataDir, ADMIN_CREDENTIALS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!text.split('\n').includes(`email: ${email}`)) return false;
  await rm(file, { force: true });
  return true;
}
