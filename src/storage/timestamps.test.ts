import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MoatError } from '../core/index.js';
import { toStoredTimestamp } from './timestamps.js';

describe('toStoredTimestamp', () => {
  it('normalises offsets to UTC with milliseconds so text order is time order', () => {
    assert.equal(toStoredTimestamp('2025-03-01T12:00:00+02:00'), '2025-03-01T10:00:00.000Z');
    assert.equal(toStoredTimestamp('2025-03-01T10:00:00.5Z'), '2025-03-01T10:00:00.500Z');
  });
  it('refuses text that is not a date', () => {
    assert.throws(() => toStoredTimestamp('yesterday'), (err: unknown) => err instanceof MoatError && err.code === 'STORAGE_INVALID_TIMESTAMP');
  });
});
