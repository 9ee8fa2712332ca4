// One letter per item or step status, for the run board's compact grid (server and portal both read it).
export const STATUS_CODES: Record<string, string> = {
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

export const STATUS_OF_CODE: Record<string, string> = Object.fromEntries(
  Object.entries(STATUS_CODES).map(([status, code]) => [code, status]),
);
