import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay } from './retry.js';

const schedule = { initialSeconds: 60, maxSeconds: 3600, factor: 2 };

test('retryDelay grows exponentially from the initial delay', () => {
  const mid = (): number => 0.5;
  assert.equal(retryDelay(1, schedule, mid), 60_000);
  assert.equal(retryDelay(2, schedule, mid), 120_000);
  assert.equal(retryDelay(3, schedule, mid), 240_000);
});

test('retryDelay is capped at maxSeconds, even with jitter and huge attempt counts', () => {
  assert.equal(retryDelay(10, schedule, () => 0.5), 3_600_000);
  assert.equal(retryDelay(10, schedule, () => 1), 3_600_000);
  assert.equal(retryDelay(100_000, schedule, () => 1), 3_600_000);
  assert.ok(retryDelay(10, schedule, () => 0) >= 3_240_000);
});

test('retryDelay jitters by at most 10 percent either way', () => {
  assert.equal(retryDelay(1, schedule, () => 0), 54_000);
  assert.equal(retryDelay(1, schedule, () => 1), 66_000);
});

test('retryDelay treats attempts below one as the first retry', () => {
  assert.equal(retryDelay(0, schedule, () => 0.5), 60_000);
  assert.equal(retryDelay(Number.NaN, schedule, () => 0.5), 60_000);
});
