// The GPU pool inside one worker. The worker takes more GPU tasks from Temporal than it has slots
// (workers/worker.ts) but runs at most GPU_SLOTS at once: the GPU_PREFETCH extra ones wait here, already fetched,
// so a slot that frees up starts its next step at once instead of after a poll round trip to the server. A step
// holds its slot only while it executes: its inputs are fetched before, its outputs stored and its row written
// after (runStep), so the GPU never waits on bookkeeping. Waiting tasks heartbeat (runStep) and can be cancelled.
export interface Slots {
  /** Resolves to the release function once a slot is free; waiters are served first come, first served. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly busy: number;
}

/** A counting semaphore. */
export function createSlots(size: number): Slots {
  let busy = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const grant = waiting.shift();
    if (grant) grant();
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
        const grant = () => resolve(once(release));
        waiting.push(grant);
        signal?.addEventListener('abort', () => {
          const i = waiting.indexOf(grant);
          if (i >= 0) {
            waiting.splice(i, 1);
            reject(
              signal.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for a GPU slot'),
            );
          }
        });
      });
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
