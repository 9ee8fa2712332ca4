// Child processes of the stack's tools (the portal, worker processes): stopping one and waiting for its exit.
import type { ChildProcess } from 'node:child_process';

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
