// Every status a run, an item and a step attempt can have, listed once. The Prisma schema's enums store them
// (server/db.ts fails to compile when these lists and the schema differ); workers, workflows, presenters, the API
// and the portal take the lists, their types and their groupings from here.

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'partially_failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const ITEM_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** waiting: a sensor between checks; retrying: the attempt failed and Temporal tries again; lost: its worker died. */
export const STEP_STATUSES = [
  'waiting',
  'skipped',
  'running',
  'succeeded',
  'retrying',
  'failed',
  'cancelled',
  'lost',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Any status the portal shows (a step with no attempt yet shows as an item's "pending"). */
export type Status = RunStatus | ItemStatus | StepStatus;

/** A run still going: it can be cancelled, not retried. */
export const ACTIVE_RUN_STATUSES = ['queued', 'running'] as const satisfies readonly RunStatus[];
/** A run that has ended; it stays so until its failed items are retried. */
export const TERMINAL_RUN_STATUSES = [
  'succeeded',
  'failed',
  'partially_failed',
  'cancelled',
] as const satisfies readonly RunStatus[];
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

/** The outcomes a finished run can have when its items decide it (not cancelled, not failed as a whole). */
export type RunOutcomeStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'partially_failed'>;

/**
 * Items a retry runs again, manual ("retry failed items", "retry this item") and automatic (the pipeline's
 * retryFailedItems rounds) alike: those that ended without doing their work. An item is cancelled when its run
 * was cancelled or failed as a whole before the item finished.
 */
export const RETRYABLE_ITEM_STATUSES = ['failed', 'cancelled'] as const satisfies readonly ItemStatus[];
/** Items not ended yet: when a run ends cancelled or failed, these end cancelled. */
export const UNFINISHED_ITEM_STATUSES = ['pending', 'running'] as const satisfies readonly ItemStatus[];
/** How an item's own workflow can end. */
export type ItemOutcomeStatus = Extract<ItemStatus, 'succeeded' | 'failed' | 'skipped'>;
/** Item outcomes the run's counters hold: recorded once, so a retried bookkeeping call does not count twice. */
export const COUNTED_ITEM_STATUSES = ['succeeded', 'failed'] as const satisfies readonly ItemOutcomeStatus[];

/** A step attempt still in progress: the portal keeps polling it. */
export const LIVE_STEP_STATUSES = ['waiting', 'running', 'retrying'] as const satisfies readonly StepStatus[];
/** Step attempts whose error a user needs to see. */
export const ERRORED_STEP_STATUSES = ['retrying', 'failed'] as const satisfies readonly StepStatus[];

export const isActiveRun = (status: RunStatus): boolean => includes(ACTIVE_RUN_STATUSES, status);
export const isTerminalRun = (status: RunStatus): boolean => includes(TERMINAL_RUN_STATUSES, status);
export const isRetryableItem = (status: ItemStatus): boolean => includes(RETRYABLE_ITEM_STATUSES, status);
export const isLiveStep = (status: StepStatus): boolean => includes(LIVE_STEP_STATUSES, status);
export const isErroredStep = (status: StepStatus): boolean => includes(ERRORED_STEP_STATUSES, status);

function includes<T extends string>(list: readonly T[], value: string): boolean {
  return (list as readonly string[]).includes(value);
}

// every run status is active or terminal, never both (fails to compile otherwise)
type Partitioned<All, A, B> = [Exclude<All, A | B>, Extract<A, B>] extends [never, never] ? true : false;
type Assert<T extends true> = T;
type _RunStatusesPartitioned = Assert<Partitioned<RunStatus, (typeof ACTIVE_RUN_STATUSES)[number], TerminalRunStatus>>;
