/**
 * Bounds on what storage writes and reads. Message content is hostile: a
 * 1 MB Subject must not become a 1 MB row on the hot path. The full message
 * stays in the spool or quarantine; the log keeps a bounded copy.
 */

/** Header values (subject, From, Message-ID, HELO): RFC 5322 lines are ≤ 998 chars, folded headers a few of them. */
export const MAX_HEADER_CHARS = 2048;
/** Finding details, verdict reasons, quarantine reasons. */
export const MAX_DETAIL_CHARS = 4096;
/** Remote SMTP replies and local delivery errors. */
export const MAX_REPLY_CHARS = 2048;
/** Rows per multi-row INSERT/IN list: far below SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
export const MAX_ROWS_PER_STATEMENT = 500;
/** Longest search term accepted; anything longer is not a sender, hash or subject fragment. */
export const MAX_SEARCH_TERM_CHARS = 1024;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

/** Cuts `value` to `max` characters (code points kept whole), marking the cut. */
export function boundText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  // Do not leave half of a surrogate pair behind.
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** Optional text bounded, `undefined` mapped to SQL NULL. */
export function boundOptional(value: string | undefined, max: number): string | null {
  return value === undefined ? null : boundText(value, max);
}

/** A caller's row limit clamped to [1, max]; missing or not a number gives the default. */
export function clampLimit(limit: number | undefined, fallback = DEFAULT_LIST_LIMIT, max = MAX_LIST_LIMIT): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

/** Splits `items` into slices of at most `size`. */
export function chunk<T>(items: readonly T[], size = MAX_ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
