import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BoundedLog, runCommand } from '~/workers/activities/command';

describe('BoundedLog', () => {
  it('keeps the tail and says it dropped the rest', () => {
    const log = new BoundedLog(10);
    log.append('0123456789');
    expect(log.truncated).toBe(false);
    log.append('abc');
    expect(log.text()).toBe('3456789abc');
    expect(log.truncated).toBe(true);
    expect(log.lastLine()).toBe('3456789abc');
  });
});

describe('runCommand', () => {
  const opts = () => ({
    cwd: process.cwd(),
    env: { PATH: process.env.PATH! },
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    log: new BoundedLog(1_000),
  });

  it('passes arguments verbatim, never through a shell', async () => {
    const o = opts();
    const r = await runCommand(['node', '-e', 'console.log(process.argv[1])', '$(echo hacked); rm -rf /'], o);
    expect(r.exitCode).toBe(0);
    expect(o.log.text().trim()).toBe('$(echo hacked); rm -rf /');
  });

  it('kills the whole process group when aborted', async () => {
    const o = opts();
    const abort = new AbortController();
    // the child starts a grandchild that would outlive a plain kill of the child
    const script =
      "const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'inherit'});" +
      "console.log('grandchild',c.pid);setInterval(()=>{},1000)";
    const running = runCommand(['node', '-e', script], { ...o, signal: abort.signal, killGraceMs: 500 });
    await new Promise((r) => setTimeout(r, 500));
    const grandchild = Number(/grandchild (\d+)/.exec(o.log.text())?.[1]);
    abort.abort();
    const r = await running;
    expect(r.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(grandchild)).toBe(false);
  });

  it('stops a command that runs past its timeout', async () => {
    const r = await runCommand(['node', '-e', 'setTimeout(()=>{}, 10000)'], { ...opts(), timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
  });
});

/** Running, not gone and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
