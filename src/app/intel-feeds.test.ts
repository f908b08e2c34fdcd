import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextPollDelayMs } from './intel-feeds.js';

describe('nextPollDelayMs', () => {
  const hour = 3_600_000;
  const middle = (): number => 0.5;

  it('waits the interval after a good poll, jittered by at most 10 %', () => {
    assert.equal(nextPollDelayMs(hour, 0, middle), hour);
    assert.equal(nextPollDelayMs(hour, 0, () => 0), hour * 0.9);
    assert.equal(nextPollDelayMs(hour, 0, () => 1), hour * 1.1);
  });

  it('retries a failing feed after 30 s, doubling per further failure, never beyond the interval', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => nextPollDelayMs(hour, n, middle)), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(nextPollDelayMs(hour, 10, middle), hour);
    assert.equal(nextPollDelayMs(hour, 10_000, middle), hour, 'no overflow after a long outage');
    assert.equal(nextPollDelayMs(60_000, 5, middle), 60_000);
  });
});
