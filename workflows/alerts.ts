import { ActivityFailure, CancellationScope, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { AlertEvent, RunPlan } from '../common/run-contract';
import type { AlertActivities } from '../workers/activities/contract';

const { sendAlert } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '30s',
  // ALERT_ATTEMPTS in workers/activities/alerts.ts
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4 },
});

/** Sends the run's alerts for an event; an undeliverable alert is recorded and never fails the run. */
export async function raiseAlerts(plan: RunPlan, event: AlertEvent): Promise<void> {
  const targets = (plan.alerts ?? [])
    .map((alert, receiver) => ({ alert, receiver }))
    .filter(({ alert }) => alert.on.includes(event));
  await CancellationScope.nonCancellable(() =>
    Promise.all(
      targets.map(({ alert, receiver }) =>
        sendAlert({ runId: plan.runId, event, receiver, alert }).catch((err: unknown) => {
          if (!(err instanceof ActivityFailure)) throw err;
        }),
      ),
    ),
  );
}

/** Raises the deadline alerts if the run is still going deadlineMs after it started; cancel it when the run ends. */
export function watchDeadline(plan: RunPlan, startedAt: number): CancellationScope | undefined {
  if (!plan.deadlineMs || !plan.alerts?.some((a) => a.on.includes('deadline'))) return undefined;
  const scope = new CancellationScope();
  scope
    .run(async () => {
      await sleep(Math.max(0, startedAt + plan.deadlineMs! - Date.now()));
      await raiseAlerts(plan, 'deadline');
    })
    .catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
  return scope;
}
