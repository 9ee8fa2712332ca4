// A pipeline's schedules, as written in its spec: a cron expression in a time zone, or a fixed interval.
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

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
    cron: z.string().min(1).optional(),
    /** A fixed interval instead of cron, e.g. "10m". */
    every: z.string().regex(DURATION, 'must be a number and a unit (s, m, h or d), e.g. "10m"').optional(),
    timezone: z.string().default('Asia/Seoul'),
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
    if (durationMs(s.catchupWindow) < 10_000)
      ctx.addIssue({ code: 'custom', path: ['catchupWindow'], message: 'must be at least 10s' });
  });
export type ScheduleSpec = z.output<typeof scheduleSpecSchema>;
