import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryState } from './memory-state.js';

describe('memory state (injected clock)', () => {
  it('a fixed window opens at the first hit, ends windowMs later, and every hit counts', async () => {
    let clock = 1_000_000;
    const state = createMemoryState({ maxKeys: 100, now: () => clock });
    assert.deepEqual(await state.hit('k', 10_000, 2), { count: 1, allowed: true, resetAt: 1_010_000 });
    clock += 4_000;
    assert.deepEqual(await state.hit('k', 10_000, 2), { count: 2, allowed: true, resetAt: 1_010_000 });
    clock += 5_999;
    assert.deepEqual(await state.hit('k', 10_000, 2), { count: 3, allowed: false, resetAt: 1_010_000 });
    clock += 1; // exactly windowMs after the first hit: a new window
    assert.deepEqual(await state.hit('k', 10_000, 2), { count: 1, allowed: true, resetAt: 1_020_000 });
  });

  it('keys expire at their TTL; incr keeps the expiry set at creation', async () => {
    let clock = 0;
    const state = createMemoryState({ maxKeys: 100, now: () => clock });
    await state.set('a', 'x', 1000);
    assert.equal(await state.incr('n', 1000), 1);
    clock = 999;
    assert.equal(await state.get('a'), 'x');
    assert.equal(await state.incr('n', 1000), 2);
    clock = 1000;
    assert.equal(await state.get('a'), undefined);
    assert.equal(await state.incr('n', 1000), 1, 'expired counter starts over');
    assert.equal(await state.setIfAbsent('a', 'y', 1000), true);
  });

  it('is bounded: expired keys are swept first, then the oldest live key is evicted', async () => {
    let clock = 0;
    const state = createMemoryState({ maxKeys: 3, now: () => clock });
    await state.set('short', '1', 10);
    await state.set('old', '1', 100_000);
    await state.set('mid', '1', 100_000);
    clock = 2000;
    await state.set('new', '1', 100_000); // sweeps `short`
    assert.deepEqual([await state.get('old'), await state.get('mid'), await state.get('new')], ['1', '1', '1']);
    await state.set('newer', '1', 100_000); // full of live keys: the oldest goes
    assert.equal(await state.get('old'), undefined);
    assert.equal(await state.get('newer'), '1');
    for (let i = 0; i < 1000; i++) await state.hit(`scan:${i}`, 100_000, 1);
    assert.equal(await state.get('newer'), undefined, 'still at most maxKeys');
  });
});
