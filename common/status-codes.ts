// One letter per item or step status, for the run board's compact grid (server and portal both read it).
import { ITEM_STATUSES, STEP_STATUSES, type ItemStatus, type StepStatus } from './statuses';

export type CellStatus = ItemStatus | StepStatus;

/** Every item and step status has its letter (a new status without one does not compile). */
export const STATUS_CODES: Record<CellStatus, string> = {
  pending: 'p',
  running: 'r',
  succeeded: 's',
  failed: 'f',
  retrying: 'y',
  waiting: 'w',
  cancelled: 'c',
  lost: 'l',
  skipped: 'k',
};

const decoder = <S extends CellStatus>(statuses: readonly S[]) =>
  Object.fromEntries(statuses.map((status) => [STATUS_CODES[status], status])) as Partial<Record<string, S>>;
/** An item's letter back into its status. */
export const ITEM_STATUS_OF_CODE = decoder(ITEM_STATUSES);
/** A cell's letter back into its step's status; "p" (no attempt yet) has none. */
export const STEP_STATUS_OF_CODE = decoder(STEP_STATUSES);
