// Run and item bookkeeping runs as local activities on the workflow worker: no task-queue round trip.
import { proxyLocalActivities } from '@temporalio/workflow';
import type { BookkeepingActivities } from '../workers/activities/contract';

export const bookkeeping = proxyLocalActivities<BookkeepingActivities>({
  startToCloseTimeout: '30s',
  // no attempt limit: bookkeeping waits out a database outage rather than losing a run's record
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
