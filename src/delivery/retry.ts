/**
 * Back-off between delivery attempts: exponential, capped, with jitter so that
 * a burst of deferrals (a next hop restarting) does not come back as a burst.
 */

export interface RetrySchedule {
  readonly initialSeconds: number;
  readonly maxSeconds: number;
  readonly factor: number;
}

// ±10 %: enough to spread a burst over a few seconds at the shortest delay.
const JITTER = 0.1;

/**
 * Milliseconds to wait before the next attempt, after `attempts` failed
 * attempts (1 after the first failure). Never more than `maxSeconds`.
 */
export function retryDelay(attempts: number, retry: RetrySchedule, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(Number.isFinite(attempts) ? attempts : 1));
  const maxMs = retry.maxSeconds * 1000;
  // factor ** large overflows to Infinity; Math.min turns that into the cap.
  const base = Math.min(maxMs, retry.initialSeconds * 1000 * retry.factor ** (n - 1));
  const r = Math.min(1, Math.max(0, random()));
  const jittered = base * (1 - JITTER + 2 * JITTER * r);
  return Math.round(Math.min(maxMs, jittered));
}
