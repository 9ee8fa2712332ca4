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

  it('serves waiters by priority (lower first; none counts as the default, 3), first come, first served within one', async () => {
    const slots = createSlots(1);
    const order: string[] = [];
    const held = await slots.acquire();
    const waiters: [string, number | undefined][] = [
      ['last-step', 4],
      ['first-step-a', 2],
      ['no-priority', undefined],
      ['first-step-b', 2],
      ['urgent', 1],
    ];
    // each waiter runs as soon as it is granted a slot and gives it back at once
    const done = waiters.map(([name, priority]) =>
      slots.acquire(undefined, priority).then((release) => {
        order.push(name);
        release();
      }),
    );
    held();
    await Promise.all(done);
    expect(order).toEqual(['urgent', 'first-step-a', 'first-step-b', 'no-priority', 'last-step']);
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
