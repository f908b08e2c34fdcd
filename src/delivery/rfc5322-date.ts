/**
 * RFC 5322 §3.3 date-time, always in UTC with a numeric zone. `Date#toUTCString`
 * ends in `GMT`, which RFC 5322 §4.3 lists only as an obsolete zone.
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** Formats `date` as `Tue, 02 Jan 2024 03:04:05 +0000`. */
export function formatRfc5322Date(date: Date): string {
  const day = DAYS[date.getUTCDay()] ?? 'Sun';
  const month = MONTHS[date.getUTCMonth()] ?? 'Jan';
  return (
    `${day}, ${pad2(date.getUTCDate())} ${month} ${date.getUTCFullYear()} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())} +0000`
  );
}
