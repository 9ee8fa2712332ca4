// A worker in a process of its own, so a test can kill it like a crashed machine.
import { spawn, type ChildProcess } from 'node:child_process';

export async function startWorkerProcess(env: Record<string, string>, queues = 'cpu,gpu'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts', '--queues', queues], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('worker ready')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${output}`)));
  });
  return child;
}

export { stopProcess } from '~/stack/processes';
