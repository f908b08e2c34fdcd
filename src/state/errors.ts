/**
 * Errors of the shared state. `STATE_UNAVAILABLE` is the one callers plan
 * for (fail open or closed, as configured); `STATE_ARGUMENT_INVALID` is a
 * programming error and is never caught.
 */
import { MoatError } from '../core/index.js';
import { MAX_KEY_CHARS, MAX_TTL_MS, MAX_VALUE_CHARS } from './types.js';

/** The store did not answer in time, is disconnected or answered an error. */
export class StateUnavailableError extends MoatError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE_UNAVAILABLE', message, options);
    this.name = 'StateUnavailableError';
  }
}

/** True for the coded outage error, whichever instance threw it. */
export function isStateUnavailable(error: unknown): error is StateUnavailableError {
  return error instanceof MoatError && error.code === 'STATE_UNAVAILABLE';
}

/** Refuses keys, values and durations outside the contract's bounds. */
export function checkArguments(key: string, ttlMs?: number, value?: string): void {
  if (key.length === 0 || key.length > MAX_KEY_CHARS) throw new MoatError('STATE_ARGUMENT_INVALID', `state key length ${key.length} not in 1..${MAX_KEY_CHARS}`);
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS)) {
    throw new MoatError('STATE_ARGUMENT_INVALID', `state TTL ${ttlMs} ms not an integer in 1..${MAX_TTL_MS}`);
  }
  if (value !== undefined && value.length > MAX_VALUE_CHARS) throw new MoatError('STATE_ARGUMENT_INVALID', `state value longer than ${MAX_VALUE_CHARS}`);
}
