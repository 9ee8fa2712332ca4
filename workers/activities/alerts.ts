// Delivers run alerts to webhooks and Slack-compatible incoming webhooks, recording every attempt. A failing
// receiver costs retries of this activity, never the run.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AlertSpec } from '~/common/pipeline-spec';
import type { AlertRequest } from '~/common/run-contract';
import type { Db } from '~/server/db';
import { GrantError, resolveConnection } from '~/server/services/secrets/grants';
import { createMasker, type Masker, NO_MASK } from '~/server/services/secrets/mask';
import { EgressRefusedError, type EgressGuard } from '~/workers/egress';

export interface AlertDeps {
  db: Db;
  /** The portal's public address, for links to the run. */
  publicUrl: string;
  /** Decrypts alert connections (BREWLINE_SECRET_KEY). */
  secretKey?: Buffer;
  /** Where alerts may go (never internal addresses unless an admin allows them). */
  egress: EgressGuard;
}

/** Where an alert goes: its URL (and headers), and how deliveries and errors name it without giving it away. */
interface AlertTarget {
  url: string;
  headers: Record<string, string>;
  label: string;
  mask: Masker;
}

export function createAlertActivities({ db, publicUrl, secretKey, egress }: AlertDeps) {
  async function targetOf(alert: AlertSpec): Promise<AlertTarget> {
    if (!alert.connection) return { url: alert.url!, headers: {}, label: alert.url!, mask: NO_MASK };
    const label = `connection:${alert.connection}`;
    try {
      const { values, secrets } = await resolveConnection(db, secretKey, alert.connection, [
        alert.type === 'slack' ? 'slack' : 'http',
      ]);
      const url = String(alert.type === 'slack' ? values.webhookUrl : values.baseUrl);
      const headers = alert.type === 'slack' ? {} : ((values.headers ?? {}) as Record<string, string>);
      return { url, headers, label, mask: createMasker([...secrets, url]) };
    } catch (err) {
      if (err instanceof GrantError) throw ApplicationFailure.nonRetryable(`alert to ${label}: ${err.message}`);
      throw err;
    }
  }

  return {
    async sendAlert({ runId, event, receiver, alert }: AlertRequest): Promise<void> {
      const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { pipeline: true } });
      const link = `${publicUrl.replace(/\/$/, '')}/runs/${runId}`;
      const counts = { total: run.itemsTotal, succeeded: run.itemsSucceeded, failed: run.itemsFailed };
      const headline =
        event === 'deadline'
          ? `Run of ${run.pipeline.name} is past its deadline (still ${run.status})`
          : `Run of ${run.pipeline.name} ${run.status.replace('_', ' ')}: ` +
            `${counts.succeeded}/${counts.total} items succeeded, ${counts.failed} failed`;
      const body =
        alert.type === 'slack'
          ? { text: `${headline} — <${link}|open the run>` }
          : {
              event,
              run: { id: runId, pipeline: run.pipeline.slug, status: run.status, counts, error: run.error, url: link },
            };
      const where = { runId_event_receiver: { runId, event, receiver } };
      const target = await targetOf(alert);
      await db.alertDelivery.upsert({
        where,
        create: { runId, event, receiver, type: alert.type, url: target.label, attempts: 1 },
        update: { attempts: { increment: 1 } },
      });
      try {
        await egress.check(target.url);
        const res = await fetch(target.url, {
          method: 'POST',
          headers: { ...target.headers, 'content-type': 'application/json', 'user-agent': 'brewline-alerts' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        await db.alertDelivery.update({
          where,
          data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
        });
      } catch (err) {
        target.mask.error(err);
        // an address the platform may not call will not become one by retrying
        const last = err instanceof EgressRefusedError || Context.current().info.attempt >= ALERT_ATTEMPTS;
        await db.alertDelivery.update({
          where,
          data: { status: last ? 'failed' : 'pending', lastError: (err as Error).message },
        });
        const message = `alert to ${target.label}: ${(err as Error).message}`;
        if (err instanceof EgressRefusedError) throw ApplicationFailure.nonRetryable(message, 'EgressRefused');
        throw ApplicationFailure.retryable(message, 'AlertNotDelivered');
      }
    },
  };
}

export const ALERT_ATTEMPTS = 4;
