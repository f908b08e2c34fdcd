/**
 * The state that must be the same on every node of a cluster: rate-limit
 * counters, greylisting triplets and auto-whitelist entries. Two
 * implementations share this contract (and one test suite): an in-process
 * one for a single node, and Redis for many.
 */

/** The outcome of one `hit` on a fixed-window counter. */
export interface HitResult {
  /** Hits in the current window, this one included. */
  readonly count: number;
  /** `count <= limit`. */
  readonly allowed: boolean;
  /** When the current window ends (epoch ms, by the caller's clock). */
  readonly resetAt: number;
}

/**
 * Every operation is atomic on its own key and fails with
 * `StateUnavailableError` (`STATE_UNAVAILABLE`) when the store cannot answer
 * within its deadline; it never hangs. Keys and values are bounded
 * (`MAX_KEY_CHARS`, `MAX_VALUE_CHARS`): callers hash anything longer.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /**
   * Counts one hit on a fixed window that opens at the first hit and lasts
   * `windowMs`. Every hit counts, allowed or not, so a client that keeps
   * hammering stays over the limit until the window ends.
   */
  hit(key: string, windowMs: number, limit: number): Promise<HitResult>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets the key only when it does not exist; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Adds one; the expiry is set when the key is created and not extended afterwards. */
  incr(key: string, ttlMs: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Resolves once the store answers (Redis: connected and ready), or fails with `STATE_UNAVAILABLE`. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Longest key accepted (after the caller's own derivation; Redis adds its prefix). */
export const MAX_KEY_CHARS = 256;
/** Longest value accepted: the state holds timestamps and counters, not documents. */
export const MAX_VALUE_CHARS = 1024;
/** Longest TTL or window: 400 days, beyond any greylisting or rate-limit setting. */
export const MAX_TTL_MS = 400 * 24 * 3600 * 1000;
