// A pipeline's schedules, as written in its spec: a cron expression in a time zone, or a fixed interval.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { formatCount, MAX_BACKFILL_SLOTS, MAX_SCHEDULE_DURATION_MS } from './limits';

export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** "90s" -> "1m 30s", for messages about intervals. */
function inWords(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms / 1_000}s`;
}

/**
 * Why a schedule's `every` is shorter than the server allows (BREWLINE_MIN_SCHEDULE_INTERVAL_S, 60 s by default),
 * or null. Kept apart from the schema: the minimum is the server's setting, and specs stored earlier still parse.
 */
export function scheduleIntervalProblem(schedule: unknown, minIntervalS: number): string | null {
  const every = (schedule as { every?: unknown } | null)?.every;
  if (typeof every !== 'string' || !DURATION.test(every)) return null;
  const ms = durationMs(every);
  if (ms === 0 || ms >= minIntervalS * 1_000) return null; // 0 is the schema's to report
  const least = inWords(minIntervalS * 1_000);
  return `must be at least ${least} (the server's minimum interval, BREWLINE_MIN_SCHEDULE_INTERVAL_S)`;
}

/**
 * The slots a backfill of [start, end) would start, counted up to `max + 1` (so that "too many" costs no more than
 * that): an interval schedule's multiples of its interval, a cron schedule's fire times.
 */
export function countScheduleSlots(
  s: { cron?: string | null; every?: string | null; timezone: string },
  start: Date,
  end: Date,
  max = MAX_BACKFILL_SLOTS,
): number {
  if (s.every) {
    const every = durationMs(s.every);
    if (every <= 0) return 0;
    return Math.min(max + 1, Math.ceil(end.getTime() / every) - Math.ceil(start.getTime() / every));
  }
  if (!s.cron) return 0;
  const fires = CronExpressionParser.parse(s.cron, {
    tz: s.timezone,
    currentDate: new Date(start.getTime() - 1),
    endDate: end,
  });
  let n = 0;
  while (n <= max && fires.hasNext()) {
    const at = fires.next().toDate();
    if (at.getTime() >= end.getTime()) break;
    n++;
  }
  return n;
}

export const backfillSlotsProblem = (slots: number) =>
  slots > MAX_BACKFILL_SLOTS
    ? `the range holds more than ${formatCount(MAX_BACKFILL_SLOTS)} slots, ` +
      'the most one backfill may start (MAX_BACKFILL_SLOTS): backfill it in parts'
    : null;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const scheduleSpecSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-"'),
    /** Five-field cron, e.g. "0 3 1 * *" (03:00 on the 1st). */
    cron: z.string().min(1).max(200).optional(),
    /** A fixed interval instead of cron, e.g. "10m". */
    every: z.string().regex(DURATION, 'must be a number and a unit (s, m, h or d), e.g. "10m"').optional(),
    timezone: z.string().max(100).default('Asia/Seoul'),
    /** What a fire does while the previous run is still going: skip (default) keeps one active run. */
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    /** Fires missed by at most this much (e.g. while the server was down) still happen; older ones are dropped. */
    catchupWindow: z.string().regex(DURATION, 'must be a number and a unit (s, m, h or d)').default('1m'),
    params: z.record(z.string(), z.unknown()).default({}),
    paused: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    if (!s.cron === !s.every)
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron or every' });
    if (!isTimeZone(s.timezone))
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone "${s.timezone}"` });
    if (s.cron) {
      if (s.cron.trim().split(/\s+/).length !== 5)
        ctx.addIssue({
          code: 'custom',
          path: ['cron'],
          message: 'must have five fields: minute hour day-of-month month day-of-week',
        });
      else
        try {
          CronExpressionParser.parse(s.cron, { tz: isTimeZone(s.timezone) ? s.timezone : 'UTC' });
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['cron'], message: `invalid cron expression: ${(e as Error).message}` });
        }
    }
    if (DURATION.test(s.catchupWindow) && durationMs(s.catchupWindow) < 10_000)
      ctx.addIssue({ code: 'custom', path: ['catchupWindow'], message: 'must be at least 10s' });
    // zod runs this even when a field's own rule failed: only well-formed durations are measured
    if (s.every && DURATION.test(s.every) && durationMs(s.every) === 0)
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be longer than 0' });
    for (const field of ['every', 'catchupWindow'] as const) {
      const value = s[field];
      if (value && DURATION.test(value) && durationMs(value) > MAX_SCHEDULE_DURATION_MS)
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be at most 366d (use cron for rarer fires)' });
    }
  });
export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;
