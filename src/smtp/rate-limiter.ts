/**
 * Fixed-window counters keyed by client address. In-process for now; the
 * interface is what a Redis implementation will provide for many nodes.
 */

export interface RateLimit {
  readonly count: number;
  readonly perSeconds: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** When the window resets, for the reply text. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string): RateDecision;
}

interface Window {
  start: number;
  count: number;
}

/** Bounded: expired windows are swept so a scan from many addresses cannot grow memory forever. */
export function createRateLimiter(limit: RateLimit, now: () => number = Date.now, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, Window>();
  const windowMs = limit.perSeconds * 1000;

  function sweep(at: number): void {
    for (const [key, window] of windows) {
      if (at - window.start >= windowMs) windows.delete(key);
    }
  }

  return {
    hit(key) {
      const at = now();
      let window = windows.get(key);
      if (window === undefined || at - window.start >= windowMs) {
        if (windows.size >= maxKeys) sweep(at);
        window = { start: at, count: 0 };
        windows.set(key, window);
      }
      window.count++;
      const retryAfterSeconds = Math.ceil((window.start + windowMs - at) / 1000);
      return { allowed: window.count <= limit.count, retryAfterSeconds };
    },
  };
}

/** Concurrent connections per key. */
export interface ConcurrencyTracker {
  acquire(key: string): boolean;
  release(key: string): void;
}

export function createConcurrencyTracker(maxPerKey: number): ConcurrencyTracker {
  const active = new Map<string, number>();
  return {
    acquire(key) {
      const current = active.get(key) ?? 0;
      if (current >= maxPerKey) return false;
      active.set(key, current + 1);
      return true;
    },
    release(key) {
      const current = active.get(key) ?? 0;
      if (current <= 1) active.delete(key);
      else active.set(key, current - 1);
    },
  };
}
