import { describe, expect, it } from 'vitest';
import { scheduleInWords } from '~/common/schedule-words';

describe('schedules in words', () => {
  it.each([
    [{ cron: '0 3 1 * *', timezone: 'Asia/Seoul' }, 'monthly on day 1 at 03:00 (Asia/Seoul)'],
    [{ cron: '0 2 * * 6', timezone: 'Asia/Seoul' }, 'weekly on Saturday at 02:00 (Asia/Seoul)'],
    [{ cron: '30 4 * * *', timezone: 'UTC' }, 'daily at 04:30 (UTC)'],
    [{ cron: '*/10 * * * *', timezone: 'UTC' }, 'every 10 minutes'],
    [{ every: '15m', timezone: 'UTC' }, 'every 15 minutes'],
    [{ cron: '0 9-17 * * 1-5', timezone: 'UTC' }, 'cron "0 9-17 * * 1-5" (UTC)'],
  ])('%j → %s', (schedule, words) => {
    expect(scheduleInWords(schedule)).toBe(words);
  });
});
