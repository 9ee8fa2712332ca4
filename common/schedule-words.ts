// A schedule in words ("monthly on day 1 at 03:00"), for the portal. Pure. Unusual crons are shown as they are.
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const at = (minute: string, hour: string) => `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
const isNumber = (s: string) => /^\d+$/.test(s);

export function scheduleInWords(s: { cron?: string | null; every?: string | null; timezone: string }): string {
  const zone = ` (${s.timezone})`;
  if (s.every)
    return `every ${s.every
      .replace(/^(\d+)m$/, '$1 minutes')
      .replace(/^(\d+)h$/, '$1 hours')
      .replace(/^(\d+)s$/, '$1 seconds')
      .replace(/^(\d+)d$/, '$1 days')}`;
  const cron = (s.cron ?? '').trim();
  const parts = cron.split(/\s+/);
  if (parts.length !== 5) return `cron "${cron}"${zone}`;
  const [minute, hour, dom, month, dow] = parts as [string, string, string, string, string];
  if (/^\*\/\d+$/.test(minute) && hour === '*' && dom === '*' && month === '*' && dow === '*')
    return `every ${minute.slice(2)} minutes`;
  if (minute === '*' && hour === '*' && dom === '*' && month === '*' && dow === '*') return 'every minute';
  if (isNumber(minute) && hour === '*' && dom === '*' && month === '*' && dow === '*')
    return `hourly at minute ${minute}`;
  if (!isNumber(minute) || !isNumber(hour)) return `cron "${cron}"${zone}`;
  if (dom === '*' && month === '*' && dow === '*') return `daily at ${at(minute, hour)}${zone}`;
  if (dom === '*' && month === '*' && /^[0-7]$/.test(dow))
    return `weekly on ${DAYS[Number(dow) % 7]} at ${at(minute, hour)}${zone}`;
  if (isNumber(dom) && month === '*' && dow === '*') return `monthly on day ${dom} at ${at(minute, hour)}${zone}`;
  return `cron "${cron}"${zone}`;
}
