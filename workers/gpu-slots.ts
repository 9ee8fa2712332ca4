// The GPU pool inside one worker. The worker takes GPU_SLOTS + GPU_PREFETCH tasks from Temporal but runs at most
// GPU_SLOTS at once: the prefetched ones wait here, already fetched, so a slot that frees up starts its next step
// at once instead of after a poll round trip to the server. Waiting tasks heartbeat and can be cancelled.
import { Context } from '@temporalio/activity';
import type { StepRequest, StepResult } from '~/common/run-contract';

export interface Slots {
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly busy: number;
}

/** A first-come-first-served counting semaphore. */
export function createSlots(size: number): Slots {
  let busy = 0;
  const waiting: { grant: () => void }[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant();
    else busy--;
  };
  return {
    get busy() {
      return busy;
    },
    acquire(signal) {
      if (busy < size) {
        busy++;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve, reject) => {
        const entry = { grant: () => resolve(once(release)) };
        waiting.push(entry);
        signal?.addEventListener('abort', () => {
          const i = waiting.indexOf(entry);
          if (i >= 0) {
            waiting.splice(i, 1);
            reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for a GPU slot'));
          }
        });
      });
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) (done = true), fn();
  };
}

/** Runs each step only once it holds a slot; heartbeats while it waits so Temporal knows the worker is alive. */
export function gatedRunStep(slots: Slots, runStep: (req: StepRequest) => Promise<StepResult>) {
  return async (req: StepRequest): Promise<StepResult> => {
    const ctx = Context.current();
    const heartbeat = setInterval(() => ctx.heartbeat(), Math.max(100, Math.min(req.step.timeouts.heartbeatMs / 3, 5_000)));
    let release: () => void;
    try {
      release = await slots.acquire(ctx.cancellationSignal);
    } finally {
      clearInterval(heartbeat);
    }
    try {
      return await runStep(req);
    } finally {
      release();
    }
  };
}
