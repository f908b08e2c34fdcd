/**
 * The in-process `SharedState`: one node, no dependency. Bounded: when
 * `maxKeys` live keys exist, expired ones are swept (at most once a second)
 * and then the oldest key is evicted, so a scan from many addresses cannot
 * grow memory without limit. Evicting a greylist entry defers a retry once
 * more; evicting a counter forgets part of a window: both err towards mail
 * flowing, never towards losing it.
 */
import { MoatError } from '../core/index.js';
import { checkArguments } from './errors.js';
import type { HitResult, SharedState } from './types.js';

export interface MemoryStateOptions {
  /** Clock (epoch ms); injected by tests. */
  readonly now?: () => number;
  /** Most live keys kept. */
  readonly maxKeys: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 1000;

/** Creates the in-process state. */
export function createMemoryState(options: MemoryStateOptions): SharedState {
  const now = options.now ?? Date.now;
  if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) throw new MoatError('STATE_ARGUMENT_INVALID', 'maxKeys must be a positive integer');
  const entries = new Map<string, Entry>();
  let lastSweep = -Infinity;

  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const makeRoom = (at: number): void => {
    if (entries.size < options.maxKeys) return;
    if (at - lastSweep >= SWEEP_INTERVAL_MS) {
      lastSweep = at;
      for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
    }
    // Insertion order is eviction order (a Map keeps it).
    while (entries.size >= options.maxKeys) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  };

  /** Creates the key when absent (with its expiry) and returns it. */
  const put = (key: string, value: string, ttlMs: number, at: number): Entry => {
    entries.delete(key);
    makeRoom(at);
    const entry = { value, expiresAt: at + ttlMs };
    entries.set(key, entry);
    return entry;
  };

  const increment = (key: string, ttlMs: number, at: number): Entry => {
    const entry = live(key, at);
    if (entry === undefined) return put(key, '1', ttlMs, at);
    const current = Number(entry.value);
    // Redis answers an error for INCR on a non-integer; so do we, identically on both.
    if (!Number.isSafeInteger(current)) throw new MoatError('STATE_ARGUMENT_INVALID', 'incr on a key that does not hold an integer');
    entry.value = String(current + 1);
    return entry;
  };

  return {
    kind: 'memory',
    async hit(key, windowMs, limit) {
      checkArguments(key, windowMs);
      const at = now();
      const entry = increment(key, windowMs, at);
      const count = Number(entry.value);
      const result: HitResult = { count, allowed: count <= limit, resetAt: entry.expiresAt };
      return result;
    },
    async get(key) {
      checkArguments(key);
      return live(key, now())?.value;
    },
    async set(key, value, ttlMs) {
      checkArguments(key, ttlMs, value);
      put(key, value, ttlMs, now());
    },
    async setIfAbsent(key, value, ttlMs) {
      checkArguments(key, ttlMs, value);
      const at = now();
      if (live(key, at) !== undefined) return false;
      put(key, value, ttlMs, at);
      return true;
    },
    async incr(key, ttlMs) {
      checkArguments(key, ttlMs);
      return Number(increment(key, ttlMs, now()).value);
    },
    async delete(key) {
      checkArguments(key);
      entries.delete(key);
    },
    async ready() {},
    async close() {
      entries.clear();
    },
  };
}
