import { MoatError } from '../core/index.js';

/**
 * Normalises an ISO-8601 timestamp to `Date#toISOString()` form (UTC, with
 * milliseconds), the only form whose text order is time order. Throws
 * `STORAGE_INVALID_TIMESTAMP` for text that is not a date.
 */
export function toStoredTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new MoatError('STORAGE_INVALID_TIMESTAMP', `not an ISO-8601 timestamp: ${JSON.stringify(value.slice(0, 64))}`);
  return new Date(ms).toISOString();
}
