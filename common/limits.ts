// The sizes and ranges the API and the workers accept, in one place: every hostile input is refused with a message
// that names its limit (docs/api.md and docs/pipeline-spec.md list them).

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** An HTTP request to /api/trpc: its body. */
export const MAX_REQUEST_BYTES = 1 * MiB;
/** ...except calls that carry a pipeline spec (pipelines.push and pipelines.validate) or a notebook. */
export const MAX_SPEC_REQUEST_BYTES = 4 * MiB;
export const SPEC_PROCEDURES: readonly string[] = [
  'pipelines.push',
  'pipelines.validate',
  'notebooks.import',
  'models.registerVersion',
];
/** Calls in one batched HTTP request (the clients split larger batches). */
export const MAX_BATCH_CALLS = 50;
/** Nesting of objects and lists in any input. */
export const MAX_INPUT_DEPTH = 64;

/** A pipeline spec, as JSON in UTF-8. */
export const MAX_SPEC_BYTES = 2 * MiB;
export const MAX_STEPS = 500;
/** Each string a step or a run passes on: a command's arguments, a builtin's args, env values, param values. */
export const MAX_STRING_LENGTH = 16 * KiB;
/** A code cell's source (Python or shell), in UTF-8. */
export const MAX_CELL_CODE_BYTES = 256 * KiB;
/** A Markdown cell's text. */
export const MAX_MARKDOWN_LENGTH = 64 * KiB;
/** A model version's code: its files, and their total size in UTF-8. */
export const MAX_MODEL_CODE_FILES = 200;
export const MAX_MODEL_CODE_BYTES = 2 * MiB;
/** Pinned requirements of a pipeline's Python environment. */
export const MAX_REQUIREMENTS = 200;
/** A param's `pattern`. */
export const MAX_PATTERN_LENGTH = 1_000;
/** A path param's value. */
export const MAX_PATH_LENGTH = 1_024;

/** Items of one run, whatever their source. */
export const MAX_ITEMS_PER_RUN = 100_000;
/** An items file (a source's or a step's): room for MAX_ITEMS_PER_RUN keys of 200 bytes and JSON's punctuation. */
export const MAX_ITEMS_FILE_BYTES = 32 * MiB;

/** Integers stored in Postgres `integer` columns (versions, attempts, counts). */
export const INT4_MAX = 2_147_483_647;
/** Dates the API accepts (cursors, backfill ranges): anything else is no date Brewline wrote. */
export const MIN_DATE = new Date('1970-01-01T00:00:00.000Z');
export const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A schedule's `every`, unless BREWLINE_MIN_SCHEDULE_INTERVAL_S allows less. */
export const DEFAULT_MIN_SCHEDULE_INTERVAL_S = 60;
/** A schedule's `every` and `catchupWindow`. */
export const MAX_SCHEDULE_DURATION_MS = 366 * 86_400_000;
/** One backfill: its slots (runs) and its range. */
export const MAX_BACKFILL_SLOTS = 1_000;
export const MAX_BACKFILL_SPAN_MS = 3_660 * 86_400_000;

/** 1048576 -> "1 MiB", 2000 -> "2,000 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${bytes % MiB === 0 ? bytes / MiB : (bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

/** 100000 -> "100,000". */
export const formatCount = (n: number) => n.toLocaleString('en-US');

/** The length of a text in UTF-8, without allocating it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // a surrogate pair is one code point of four bytes
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
