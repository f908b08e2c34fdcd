/**
 * A `SharedState` that keeps a node counting when its shared store is lost:
 * every call goes to `primary` (Redis); when that fails with
 * `STATE_UNAVAILABLE` the same call is answered by `local` (this node's
 * in-process state) and the state is "degraded" until `primary` answers
 * again. Rate limits then hold per node (an installation of N nodes lets a
 * sender through up to N times the limit) and greylisting is per node (a
 * retry at another node is deferred again), which is better than not
 * counting at all. Nothing is copied between the two: after recovery the
 * shared counts go on from where Redis left them.
 *
 * While degraded, at most one call every `probeIntervalMs` tries `primary`
 * (the probe); the others go straight to `local`, so a Redis that hangs
 * costs one `commandTimeoutMs` per interval, not one per SMTP command.
 */
import { isStateUnavailable, StateUnavailableError } from './errors.js';
import type { SharedState } from './types.js';

/** Which store answers: the shared one, or this node's. */
export type FallbackMode = 'shared' | 'local';

/** A change of mode, reported once per outage and once per recovery. */
export type FallbackSwitch = { readonly to: 'local'; readonly reason: string } | { readonly to: 'shared' };

export interface FallbackStateOptions {
  /** The shared store (Redis); its `kind` is this state's. */
  readonly primary: SharedState;
  /** This node's store, answering while `primary` cannot (a memory state). */
  readonly local: SharedState;
  /** Called on each switch, for the caller's logger; it must not throw. */
  readonly onSwitch: (event: FallbackSwitch) => void;
  /** While degraded, least time between two tries of `primary`; default 1000 ms. */
  readonly probeIntervalMs?: number;
  /** Clock (ms); injected by tests. */
  readonly now?: () => number;
}

export interface FallbackState extends SharedState {
  /** Which store answers now. */
  mode(): FallbackMode;
}

export const DEFAULT_PROBE_INTERVAL_MS = 1000;

/** Wraps a shared store so that its outages are answered by this node's store (see the module header). */
export function createFallbackState(options: FallbackStateOptions): FallbackState {
  const { primary, local, onSwitch } = options;
  const probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let mode: FallbackMode = 'shared';
  // Bumped on every switch: an answer to a call sent before the last switch says
  // nothing about the store now (a reply that was in flight when Redis went away
  // must not end the outage, nor a timeout from before a recovery start another).
  let generation = 0;
  let nextProbeAt = 0;
  let probing = false;
  let closed = false;

  const toLocal = (error: StateUnavailableError): void => {
    nextProbeAt = now() + probeIntervalMs;
    if (mode === 'local') return;
    mode = 'local';
    generation += 1;
    onSwitch({ to: 'local', reason: error.message });
  };

  const toShared = (): void => {
    mode = 'shared';
    generation += 1;
    onSwitch({ to: 'shared' });
  };

  const call = async <T>(op: (store: SharedState) => Promise<T>): Promise<T> => {
    if (closed) throw new StateUnavailableError('shared state: closed');
    if (mode === 'local' && (probing || now() < nextProbeAt)) return op(local);
    const probe = mode === 'local';
    const sentIn = generation;
    if (probe) {
      probing = true;
      nextProbeAt = now() + probeIntervalMs;
    }
    try {
      const result = await op(primary);
      if (probe && sentIn === generation) toShared();
      return result;
    } catch (error) {
      // STATE_ARGUMENT_INVALID and anything else is a bug or a real answer: never hidden.
      if (!isStateUnavailable(error)) throw error;
      if (sentIn === generation) toLocal(error);
      return op(local);
    } finally {
      if (probe) probing = false;
    }
  };

  return {
    kind: primary.kind,
    mode: () => mode,
    hit: (key, windowMs, limit) => call((store) => store.hit(key, windowMs, limit)),
    get: (key) => call((store) => store.get(key)),
    set: (key, value, ttlMs) => call((store) => store.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => call((store) => store.setIfAbsent(key, value, ttlMs)),
    incr: (key, ttlMs) => call((store) => store.incr(key, ttlMs)),
    delete: (key) => call((store) => store.delete(key)),
    /**
     * Resolves when this node can answer: `local` is ready. A `primary` that is
     * not ready is an outage like any other (degraded, `onSwitch` told), not a
     * failure of this state; other errors propagate.
     */
    async ready() {
      if (closed) throw new StateUnavailableError('shared state: closed');
      await local.ready();
      const sentIn = generation;
      try {
        await primary.ready();
      } catch (error) {
        if (!isStateUnavailable(error)) throw error;
        if (sentIn === generation) toLocal(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Both are closed even when one fails; the first failure is then reported.
      const results = await Promise.allSettled([primary.close(), local.close()]);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };
}
