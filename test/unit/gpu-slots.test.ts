import { describe, expect, it } from 'vitest';
import { createSlots } from '~/workers/gpu-slots';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('GPU slots in a worker', () => {
  it('runs at most `size` at once and hands freed slots to waiters first come, first served', async () => {
    const slots = createSlots(2);
    const order: string[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((r) => {
      order.push('c');
      return r;
    });
    const d = slots.acquire().then((r) => {
      order.push('d');
      return r;
    });
    await tick();
    expect(order).toEqual([]);
    a();
    a(); // releasing twice frees one slot only
    await tick();
    expect(order).toEqual(['c']);
    expect(slots.busy).toBe(2);
    b();
    await tick();
    expect(order).toEqual(['c', 'd']);
    (await c)();
    (await d)();
    expect(slots.busy).toBe(0);
  });

  it('a waiter that is cancelled leaves the queue without taking a slot', async () => {
    const slots = createSlots(1);
    const held = await slots.acquire();
    const abort = new AbortController();
    const cancelled = slots.acquire(abort.signal);
    const next = slots.acquire();
    abort.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    held();
    (await next)();
    expect(slots.busy).toBe(0);
  });
});
