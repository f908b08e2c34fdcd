/**
 * Shared state across nodes (rate limits, greylisting, auto-whitelist):
 * one contract, an in-process and a Redis implementation, and a wrapper that
 * answers from this node's state while Redis is lost. See README.md.
 */
export type { HitResult, SharedState } from './types.js';
export { MAX_KEY_CHARS, MAX_TTL_MS, MAX_VALUE_CHARS } from './types.js';
export { isStateUnavailable, StateUnavailableError } from './errors.js';
export type { MemoryStateOptions } from './memory-state.js';
export { createMemoryState } from './memory-state.js';
export type { RedisStateEvent, RedisStateOptions } from './redis-state.js';
export { createRedisState } from './redis-state.js';
export type { FallbackMode, FallbackState, FallbackStateOptions, FallbackSwitch } from './fallback-state.js';
export { createFallbackState, DEFAULT_PROBE_INTERVAL_MS } from './fallback-state.js';
