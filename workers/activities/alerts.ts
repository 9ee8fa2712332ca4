// Delivers run alerts to webhooks and Slack-compatible incoming webhooks, recording every attempt. A failing
// receiver costs retries of this activity, never the run.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AlertRequest } from '~/common/run-contract';
import type { Db } from '~/server/db';

export interface AlertDeps {
  db: Db;
  /** The portal's public address, for links to the run. */
  publicUrl: string;
}

export function createAlertActivities({ db, publicUrl }: AlertDeps) {
  return {
    async sendAlert({ runId, event, receiver, alert }: AlertRequest): Promise<void> {
      const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { pipeline: true } });
      const link = `${publicUrl.replace(/\/$/, '')}/runs/${runId}`;
      const counts = { total: run.itemsTotal, succeeded: run.itemsSucceeded, failed: run.itemsFailed };
      const headline =
        event === 'deadline'
          ? `Run of ${run.pipeline.name} is past its deadline (still ${run.status})`
          : `Run of ${run.pipeline.name} ${run.status.replace('_', ' ')}: ${counts.succeeded}/${counts.total} items succeeded, ${counts.failed} failed`;
      const body =
        alert.type === 'slack'
          ? { text: `${headline} — <${link}|open the run>` }
          : {
              event,
              run: { id: runId, pipeline: run.pipeline.slug, status: run.status, counts, error: run.error, url: link },
            };
      const where = { runId_event_receiver: { runId, event, receiver } };
      await db.alertDelivery.upsert({
        where,
        create: { runId, event, receiver, type: alert.type, url: alert.url, attempts: 1 },
        update: { attempts: { increment: 1 } },
      });
      try {
        const res = await fetch(alert.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'brewline-alerts' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        await db.alertDelivery.update({
          where,
          data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
        });
      } catch (err) {
        const last = Context.current().info.attempt >= ALERT_ATTEMPTS;
        await db.alertDelivery.update({
          where,
          data: { status: last ? 'failed' : 'pending', lastError: (err as Error).message },
        });
        throw ApplicationFailure.retryable(`alert to ${alert.url}: ${(err as Error).message}`, 'AlertNotDelivered');
      }
    },
  };
}

export const ALERT_ATTEMPTS = 4;
