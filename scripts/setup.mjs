// npm run setup: installs dependencies when needed, then prepares everything (scripts/setup-stack.ts).
// Plain Node on purpose: it runs before tsx is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const installed =
  existsSync('node_modules/.package-lock.json') &&
  statSync('node_modules/.package-lock.json').mtimeMs >= statSync('package-lock.json').mtimeMs;
if (!installed) {
  console.log('Installing dependencies...');
  // `npm install` follows package-lock.json; `npm ci` refuses a lock file without other platforms' native packages
  execFileSync(npm, ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/setup-stack.ts'], { stdio: 'inherit' });
