/**
 * Pure arithmetic and text for the benchmark report: percentiles, the
 * Prometheus lines we read back from the gateway, /proc parsing, the table.
 */

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile (the value at or below which `p` percent of samples lie) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** p50/p95/p99/max/mean of the given samples. */
export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

// moat_messages_total{action="deliver"} 12
const MESSAGE_LINE = /^moat_messages_total\{action="([a-z]+)"\} (\d+(?:\.\d+)?(?:e\+?\d+)?)$/;

/** Verdict counts from the gateway's `/metrics` exposition (`moat_messages_total` by action). */
export function parseVerdictCounts(exposition: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of exposition.split('\n')) {
    const match = MESSAGE_LINE.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) counts[match[1]] = Number(match[2]);
  }
  return counts;
}

/** `after - before` per key (keys of either side). */
export function subtractCounts(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const delta = (after[key] ?? 0) - (before[key] ?? 0);
    if (delta !== 0) out[key] = delta;
  }
  return out;
}

/** Verdicts that put the message in the delivery queue (the others are held or refused). */
export const QUEUED_ACTIONS = ['deliver', 'tag'] as const;

/** How many of the counted verdicts end up at the next hop (one recipient per message). */
export function countQueued(verdicts: Readonly<Record<string, number>>): number {
  return QUEUED_ACTIONS.reduce((total, action) => total + (verdicts[action] ?? 0), 0);
}

/** Memory figures from `/proc/<pid>/status`, in kB. */
export function parseProcStatus(text: string): { vmHwmKb?: number; vmRssKb?: number } {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  return {
    ...(hwm?.[1] === undefined ? {} : { vmHwmKb: Number(hwm[1]) }),
    ...(rss?.[1] === undefined ? {} : { vmRssKb: Number(rss[1]) }),
  };
}

/**
 * User + system CPU ticks from `/proc/<pid>/stat` (fields 14 and 15). The
 * command name in field 2 may hold spaces and parentheses, so fields are
 * counted from after its last `)`.
 */
export function parseProcStatTicks(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
  return utime + stime;
}

/** Two aligned columns. */
export function formatTable(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** `{ '451': 3, '554': 1 }` → `451×3 554×1`, or `none`. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? 'none' : entries.map(([key, count]) => `${key}×${count}`).join(' ');
}
