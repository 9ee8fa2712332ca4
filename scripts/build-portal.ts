// Builds the portal (next build) unless the build is newer than every source it depends on.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCES = [
  'app',
  'server',
  'common',
  // the teams' API routers the server mounts (pipelines/<team>/api.ts) and what they import
  'pipelines',
  'package-lock.json',
  'next.config.ts',
  'postcss.config.mjs',
  'tsconfig.json',
];
const BUILD_ID = '.next/BUILD_ID';

function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'generated') walk(path.join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(walk);
  return newest;
}

export function buildPortalIfStale(): void {
  if (existsSync(BUILD_ID) && statSync(BUILD_ID).mtimeMs >= newestMtime(SOURCES)) {
    console.log('portal build up to date');
    return;
  }
  execFileSync(process.execPath, ['node_modules/next/dist/bin/next', 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('scripts/build-portal.ts')) buildPortalIfStale();
