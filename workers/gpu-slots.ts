// The GPU pool inside one worker. The worker takes more GPU tasks from Temporal than it has slots (workers/worker.ts)
// but runs at most GPU_SLOTS at once: the GPU_PREFETCH extra ones wait here, already fetched, so a slot that frees up starts its next step
// at once instead of after a poll round trip to the server. A step holds its slot only while it executes: its
// inputs are fetched before, its outputs stored and its row written after (runStep), so the GPU never waits on
// bookkeeping. Waiting tasks heartbeat (runStep) and can be cancelled.
export interface Slots {
  /** Resolves to the release function once a slot is free; lower `priority` numbers are served first. */
  acquire(signal?: AbortSignal, priority?: number): Promise<() => void>;
  readonly busy: number;
}

/** Temporal's default priority key (levels 1 to 5): a task without one ranks here. */
export const DEFAULT_PRIORITY = 3;

/**
 * A counting semaphore: waiters are served by priority (lower number first; the step's Temporal priority key),
 * first come, first served within a priority.
 */
export function createSlots(size: number): Slots {
  let busy = 0;
  const waiting: { priority: number; grant: () => void }[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.grant();
    else busy--;
  };
  return {
    get busy() {
      return busy;
    },
    acquire(signal, priority = DEFAULT_PRIORITY) {
      if (busy < size) {
        busy++;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve, reject) => {
        const entry = { priority, grant: () => resolve(once(release)) };
        const at = waiting.findIndex((w) => w.priority > priority);
        waiting.splice(at < 0 ? waiting.length : at, 0, entry);
        signal?.addEventListener('abort', () => {
          const i = waiting.indexOf(entry);
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
