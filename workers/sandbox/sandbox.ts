// The step sandbox: a step program runs in bubblewrap namespaces as an unprivileged user, seeing only the system,
// its program files, its inputs (read-only), its own output folder and a private /tmp (writable).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import path from 'node:path';

/** A worker's sandbox: on (with the reason it cannot start one, if so), or off by an admin's choice. */
export interface StepSandbox {
  mode: 'on' | 'off';
  unavailable?: string;
  /** Folders every step sees, writable (BREWLINE_STEP_SHARED_DIRS). */
  sharedDirs: string[];
}

/** The user a step runs as when the worker runs as root (nobody). */
export const STEP_UID = 65534;
export const STEP_GID = 65534;

/** What a step's sandbox sees besides the system. */
export interface SandboxMounts {
  /** Program files, Python environments, inputs: bound read-only at the same path. */
  readOnly: string[];
  /** The step's output folder: bound writable at the same path. */
  writable: string[];
  /** Paths inside a read-only mount that the step must not see (e.g. the data folder inside the program folder). */
  hidden: string[];
}

export interface SandboxRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  mounts: SandboxMounts;
  /** Outbound network through a user-mode stack (no host loopback); false: loopback only. */
  network: boolean;
  /** Device nodes passed through (a model runner's GPU: /dev/nvidia*). */
  devices?: string[];
}

export class SandboxUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `Step programs need the bubblewrap sandbox, which cannot run here: ${reason}. ` +
        'Install it (Debian/Ubuntu: apt-get install bubblewrap slirp4netns) and allow user namespaces, ' +
        'or set BREWLINE_SANDBOX=off to run steps unsandboxed (not for shared or production use).',
    );
    this.name = 'SandboxUnavailableError';
  }
}

const SYSTEM_DIRS = ['/usr', '/etc', '/opt'];
const SYSTEM_LINKS = ['/bin', '/sbin', '/lib', '/lib64', '/lib32'];

const isRoot = () => process.getuid?.() === 0;

/** bubblewrap's arguments for a request: namespaces, mounts, user, then the command. */
export function bwrapArgs(req: SandboxRequest, fds?: { info: number; block: number }): string[] {
  const args = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts'];
  args.push('--unshare-net', '--unshare-cgroup-try');
  // as root, bubblewrap builds the sandbox and setpriv drops to nobody; otherwise a user namespace maps the user
  if (!isRoot()) args.push('--unshare-user', '--uid', String(STEP_UID), '--gid', String(STEP_GID));
  for (const link of SYSTEM_LINKS) {
    if (!existsSync(link)) continue;
    const target = realpathSync(link);
    if (target !== link) args.push('--symlink', target, link);
    else args.push('--ro-bind', link, link);
  }
  args.push('--dev', '/dev', '--proc', '/proc');
  for (const device of req.devices ?? []) if (existsSync(device)) args.push('--dev-bind', device, device);
  args.push(...mountArgs(req.mounts));
  args.push('--setenv', 'HOME', '/tmp', '--chdir', req.cwd);
  if (fds) args.push('--info-fd', String(fds.info), '--block-fd', String(fds.block));
  args.push('--');
  if (isRoot())
    args.push(
      'setpriv',
      `--reuid=${STEP_UID}`,
      `--regid=${STEP_GID}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    );
  return [...args, ...req.argv];
}

type Mount = { path: string; kind: 'ro' | 'rw' | 'tmpfs' | 'dir' };
// folders made on the way to a mount, and hidden folders, can be passed through but not listed
const FLAGS = {
  ro: ['--ro-bind'],
  rw: ['--bind'],
  tmpfs: ['--perms', '0711', '--tmpfs'],
  dir: ['--perms', '0711', '--dir'],
} as const;

/**
 * The mounts, outer before inner (the data folder is hidden inside the program folder, and inputs shown inside it).
 * Folders leading to a mount that lie on a tmpfs (the sandbox's root, /tmp, a hidden folder) are made traversable
 * but not listable (bubblewrap would create them 0700, closed to the step's user).
 */
function mountArgs(mounts: SandboxMounts): string[] {
  const list: Mount[] = [
    { path: '/tmp', kind: 'tmpfs' },
    ...SYSTEM_DIRS.filter((dir) => existsSync(dir)).map((p): Mount => ({ path: p, kind: 'ro' })),
    // a read-only path inside the system's is already there
    ...unique(mounts.readOnly)
      .filter((p) => !SYSTEM_DIRS.some((dir) => p === dir || p.startsWith(`${dir}/`)))
      .map((p): Mount => ({ path: p, kind: 'ro' })),
    ...unique(mounts.writable).map((p): Mount => ({ path: p, kind: 'rw' })),
    ...unique(mounts.hidden).map((p): Mount => ({ path: p, kind: 'tmpfs' })),
  ];
  const at = new Map(list.map((m) => [m.path, m]));
  const enclosing = (p: string) => {
    for (let dir = path.dirname(p); dir !== '/'; dir = path.dirname(dir)) if (at.has(dir)) return at.get(dir)!;
    return undefined;
  };
  for (const m of [...list]) {
    for (let dir = path.dirname(m.path); dir !== '/'; dir = path.dirname(dir)) {
      if (at.has(dir)) break;
      const outer = enclosing(dir);
      // a folder made on a tmpfs lies on that tmpfs: the folders under it are made too
      if (outer && outer.kind !== 'tmpfs' && outer.kind !== 'dir') break;
      const made: Mount = { path: dir, kind: 'dir' };
      at.set(dir, made);
      list.push(made);
    }
  }
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  const args: string[] = [];
  for (const m of list.sort((a, b) => depth(a.path) - depth(b.path))) {
    if (m.path === '/tmp') args.push('--perms', '1777', '--tmpfs', '/tmp');
    else args.push(...FLAGS[m.kind], m.path);
    if (m.kind === 'ro' || m.kind === 'rw') args.push(m.path);
  }
  return args;
}

/** Existing paths, resolved through symlinks (a bind needs the real source), without repeats. */
function unique(paths: string[]): string[] {
  const seen = new Set<string>();
  for (const p of paths) if (existsSync(p)) seen.add(realpathSync(p));
  return [...seen];
}

/** Makes a folder the step writes into owned by the step's user (only when the worker is root). */
export async function grantToStep(dir: string): Promise<void> {
  if (isRoot()) await chown(dir, STEP_UID, STEP_GID);
}

/**
 * Starts `req` in the sandbox. The command is held until its network is up; `ready` settles then (or fails, after
 * which the sandbox is already killed). The returned child is bubblewrap: killing it ends every process inside.
 */
export function spawnSandboxed(
  req: SandboxRequest,
  opts: { bwrap?: string; slirp?: string } = {},
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(opts.bwrap ?? 'bwrap', bwrapArgs(req, { info: 3, block: 4 }), {
    env: req.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  ignoreResets(child);
  const ready = (async () => {
    const pid = await sandboxPid(child);
    if (req.network) await connectNetwork(pid, child, opts.slirp ?? 'slirp4netns');
    (child.stdio[4] as NodeJS.WritableStream).end('go');
  })();
  ready.catch(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
  return { child, ready };
}

/** The control pipes (fd 3 and 4) are closed by the other side when it is done with them; that is no error. */
function ignoreResets(child: ChildProcess): void {
  for (const fd of [3, 4]) (child.stdio[fd] as NodeJS.EventEmitter | null)?.on('error', () => {});
}

/** The sandbox's first process, as bubblewrap reports it on its info pipe. */
function sandboxPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const info = child.stdio[3] as NodeJS.ReadableStream;
    const onExit = () => reject(new Error('the sandbox exited before it started (bubblewrap failed)'));
    info.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (match) {
        child.off('exit', onExit);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/** A user-mode network stack for the sandbox (slirp4netns): outbound only, the host's loopback unreachable. */
function connectNetwork(pid: number, sandbox: ChildProcess, slirp: string): Promise<void> {
  const args = ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4'];
  if (!isRoot()) args.push(`--userns-path=/proc/${pid}/ns/user`);
  const net = spawn(slirp, [...args, String(pid), 'tap0'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  ignoreResets(net);
  // closing its exit pipe (the sandbox ended, or this worker died) stops the network stack
  sandbox.once('close', () => {
    (net.stdio[4] as import('node:net').Socket).destroy();
    net.kill('SIGTERM');
  });
  let stderr = '';
  net.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve, reject) => {
    (net.stdio[3] as NodeJS.ReadableStream).once('data', () => resolve());
    net.once('error', (err) => reject(new Error(`cannot start slirp4netns for the step's network: ${err.message}`)));
    net.once('exit', (code) =>
      reject(new Error(`the step's network failed (slirp4netns exit ${code}): ${stderr.trim()}`)),
    );
  });
}

/**
 * Checks once, at worker start, that a sandbox runs here: bubblewrap starts a process as the step user with its
 * network, finding the tools on `searchPath` (the PATH step programs get). Throws SandboxUnavailableError saying how
 * to fix it.
 */
export async function probeSandbox(searchPath = process.env.PATH ?? '/usr/bin:/bin'): Promise<void> {
  for (const tool of ['bwrap', 'slirp4netns', ...(isRoot() ? ['setpriv'] : [])]) {
    try {
      execFileSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', tool], {
        stdio: 'ignore',
        env: { PATH: searchPath } as Record<string, string> as NodeJS.ProcessEnv,
      });
    } catch {
      throw new SandboxUnavailableError(`${tool} is not installed`);
    }
  }
  const { child, ready } = spawnSandboxed({
    argv: ['id', '-u'],
    cwd: '/tmp',
    env: { PATH: searchPath },
    mounts: { readOnly: [], writable: [], hidden: [] },
    network: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    await ready;
  } catch (e) {
    throw new SandboxUnavailableError((e as Error).message);
  }
  if (code !== 0 || out.trim() !== String(STEP_UID))
    throw new SandboxUnavailableError(err.trim() || `a test process exited ${code} as user ${out.trim() || '?'}`);
}

/** Where a step's Python environment really lives (`.venv` is usually a link into the machine cache). */
export function pythonEnvMounts(venv: string): string[] {
  if (!existsSync(venv)) return [];
  const real = realpathSync(venv);
  const mounts = [real];
  try {
    // the interpreter the environment was made from (a uv- or pyenv-managed Python outside /usr)
    const base = realpathSync(path.join(real, 'bin', 'python'));
    if (!SYSTEM_DIRS.some((d) => base.startsWith(`${d}/`))) mounts.push(path.dirname(path.dirname(base)));
  } catch {
    /* no interpreter link */
  }
  return mounts;
}
