// npm run secrets:rekey: re-encrypts every secret under a new key, in one transaction. The current key is
// BREWLINE_SECRET_KEY (or the embedded stack's key file); the new one is BREWLINE_NEW_SECRET_KEY, or, for the key
// file, a fresh one written beside it first (secret-key.new) and moved over it once the database has committed.
// Then restart the portal and the workers with the new key.
import { renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createDb } from '~/server/db';
import { secretKeyBytes } from '~/server/env';
import { newSecretKey } from '~/server/services/secrets/crypto';
import { reencryptSecrets } from '~/server/services/secrets/secrets';
import { readSecretKeyFile, SECRET_KEY_FILE } from '~/stack/secret-key';
import { withDatabase } from './stack-helpers';

const fromEnv = process.env.BREWLINE_SECRET_KEY;
const currentText = fromEnv ?? readSecretKeyFile();
if (!currentText)
  throw new Error('No current key: set BREWLINE_SECRET_KEY (or run npm run setup for the embedded one)');
const newText = process.env.BREWLINE_NEW_SECRET_KEY ?? (fromEnv ? undefined : newSecretKey());
if (!newText) throw new Error('Set BREWLINE_NEW_SECRET_KEY to the new key (32 bytes, base64 or hex)');
const from = secretKeyBytes(currentText);
const to = secretKeyBytes(newText);
if (!from || !to) throw new Error('Keys must be 32 bytes, base64 or hex');

const usesFile = !fromEnv;
const pending = `${SECRET_KEY_FILE}.new`;
// the new key is on disk before any row is encrypted under it
if (usesFile) writeFileSync(pending, `${newText}\n`, { mode: 0o600 });
const actor = { id: 'cli', name: `${os.userInfo().username} (npm run secrets:rekey)` };
const { reencrypted, unchanged } = await withDatabase(async (url) => {
  const db = createDb(url);
  try {
    return await reencryptSecrets(db, { from, to }, actor);
  } finally {
    await db.$disconnect();
  }
});
if (usesFile) renameSync(pending, SECRET_KEY_FILE);
console.log(`re-encrypted ${reencrypted} secrets (${unchanged} already under the new key)`);
console.log(
  usesFile
    ? `the new key is in ${SECRET_KEY_FILE}: restart npm start`
    : 'set BREWLINE_SECRET_KEY to the new key for the portal and every worker, and restart them',
);
process.exit(0);
