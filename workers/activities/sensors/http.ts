// An HTTP sensor: the URL answers 2xx (a request that fails or takes over 10 s counts as not yet). The URL must not
// be an internal address unless an admin allows it (workers/egress.ts).
import { ApplicationFailure } from '@temporalio/common';
import { EgressRefusedError, type EgressGuard } from '~/workers/egress';
import type { SensorContext, SensorReading } from './types';

export async function checkHttp(
  check: { url: string },
  ctx: SensorContext,
  deps: { egress: EgressGuard },
): Promise<SensorReading> {
  const url = ctx.fill(check.url);
  try {
    await deps.egress.check(url);
  } catch (err) {
    if (err instanceof EgressRefusedError)
      throw ApplicationFailure.nonRetryable(`${ctx.where}: ${err.message}`, 'EgressRefused');
    throw err;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' }).catch(() => null);
  return { met: !!res?.ok, what: `${url} answering 2xx${res ? ` (got ${res.status})` : ''}` };
}
