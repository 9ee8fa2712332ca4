// Finds (or builds) the pinned Temporal CLI whose `server start-dev` is Brewline's embedded Temporal server.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './paths';

const run = promisify(execFile);

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** What the pinned CLI prints for --version (a `go install` build reports 0.0.0-DEV as the CLI version). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

export type TemporalCli = { kind: 'binary'; path: string; source: string } | { kind: 'sdk-download' };

export function cachedCliPath(): string {
  return path.join(cacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal');
}

async function versionOf(bin: string): Promise<string | null> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

const isPinned = (version: string | null) => !!version && version.includes(`Server ${TEMPORAL_SERVER_VERSION}`);

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Resolution order: TEMPORAL_CLI, `temporal` on PATH at the pinned version, the cached build,
 * `go install` into the cache, and (on a machine with internet and no Go) the SDK's own download.
 */
export async function resolveTemporalCli(log: (line: string) => void = console.log): Promise<TemporalCli> {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (!existsSync(explicit) || !(await versionOf(explicit)))
      throw new Error(`TEMPORAL_CLI=${explicit} is not a runnable Temporal CLI`);
    return { kind: 'binary', path: explicit, source: 'TEMPORAL_CLI' };
  }
  const fromPath = await onPath('temporal');
  if (fromPath && isPinned(await versionOf(fromPath))) return { kind: 'binary', path: fromPath, source: 'PATH' };

  const cached = cachedCliPath();
  if (existsSync(cached) && (await versionOf(cached))) return { kind: 'binary', path: cached, source: 'cache' };

  const go = await onPath('go');
  if (go) {
    log(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${path.dirname(cached)} ` +
        '(first time only; takes a few minutes)...',
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: path.dirname(cached), GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install of the Temporal CLI exited with ${code}`)),
      );
    });
    if (existsSync(cached)) return { kind: 'binary', path: cached, source: 'go install' };
  }
  if (process.env.BREWLINE_ALLOW_SDK_DOWNLOAD !== '0') return { kind: 'sdk-download' };
  throw new Error(
    `No Temporal CLI found. Install Go >= 1.25 (Brewline builds the CLI ${TEMPORAL_CLI_VERSION} with it), ` +
      `put the Temporal CLI (server ${TEMPORAL_SERVER_VERSION}) on PATH, or set TEMPORAL_CLI to its path.`,
  );
}
