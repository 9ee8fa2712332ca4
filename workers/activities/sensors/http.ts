// An HTTP sensor: the URL answers 2xx (a request that fails or takes over 10 s counts as not yet).
import type { SensorContext, SensorReading } from './types';

export async function checkHttp(check: { url: string }, ctx: SensorContext): Promise<SensorReading> {
  const url = ctx.fill(check.url);
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  return { met: !!res?.ok, what: `${url} answering 2xx${res ? ` (got ${res.status})` : ''}` };
}
