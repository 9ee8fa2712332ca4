// The channel a code cell asks the worker for inference on: a Unix socket in the attempt's own folder (the only
// way out of its sandbox to the worker), speaking JSON lines. A request names the model the cell was given
// (the step's `model`); the worker's resident runners serve it, batched with other items' requests.
//   -> {"id":1,"op":"infer","model":"clip","inputs":[{"image":"/.../a.png"}]}
//   <- {"id":1,"outputs":[{"vector":[...]}]}  or  {"id":1,"error":"...","kind":"bad_input"|"failed"}
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { BadInputError } from '~/workers/activities/builtins/types';

/** A request line may carry a batch of inputs (paths, prompts), never more than this. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface CellChannel {
  close(): Promise<void>;
  /** The first failure a request met that should fail the attempt the way a builtin's would (a crashed runner). */
  failure(): unknown;
}

export async function openCellChannel(
  socketPath: string,
  model: string,
  infer: (inputs: unknown[]) => Promise<unknown[]>,
): Promise<CellChannel> {
  await rm(socketPath, { force: true });
  const sockets = new Set<Socket>();
  let firstFailure: unknown;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      if (Buffer.byteLength(buffered) > MAX_REQUEST_BYTES) {
        socket.end(`${JSON.stringify({ error: 'request too large', kind: 'bad_input' })}\n`);
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) void answer(line).then((reply) => socket.write(`${JSON.stringify(reply)}\n`));
        newline = buffered.indexOf('\n');
      }
    });
  });

  async function answer(line: string): Promise<Record<string, unknown>> {
    let id: unknown = null;
    try {
      const req = JSON.parse(line) as { id?: unknown; op?: unknown; model?: unknown; inputs?: unknown };
      id = req.id ?? null;
      if (req.op !== 'infer') return { id, error: `unknown op ${JSON.stringify(req.op)}`, kind: 'bad_input' };
      if (req.model !== undefined && req.model !== null && req.model !== model)
        return {
          id,
          error: `this cell is given the model "${model}", not ${JSON.stringify(req.model)} (set the cell's model)`,
          kind: 'bad_input',
        };
      if (!Array.isArray(req.inputs)) return { id, error: 'inputs must be a list', kind: 'bad_input' };
      return { id, outputs: await infer(req.inputs) };
    } catch (err) {
      if (err instanceof SyntaxError) return { id, error: 'a request must be one JSON line', kind: 'bad_input' };
      if (err instanceof BadInputError) return { id, error: err.message, kind: 'bad_input' };
      firstFailure ??= err;
      return { id, error: err instanceof Error ? err.message : String(err), kind: 'failed' };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // the cell runs as another user (the sandbox's): it may connect, nobody else can reach the attempt's folder
  await chmod(socketPath, 0o666);
  return {
    failure: () => firstFailure,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
