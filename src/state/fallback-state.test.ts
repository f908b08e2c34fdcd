import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoatError } from '../core/index.js';
import { StateUnavailableError } from './errors.js';
import { createFallbackState, type FallbackSwitch } from './fallback-state.js';
import { createMemoryState } from './memory-state.js';
import type { SharedState } from './types.js';

/**
 * A real memory state standing in for Redis, with a switch that makes every
 * call fail as Redis's do when it is lost (or hang until released), and a
 * count of the calls that reached it.
 */
interface Outageable {
  readonly store: SharedState;
  down: boolean;
  hang: boolean;
  calls: number;
  release(): void;
}

function outageable(): Outageable {
  const inner = createMemoryState({ maxKeys: 1000 });
  let waiting: (() => void)[] = [];
  const flags = { down: false, hang: false, calls: 0 };
  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    flags.calls += 1;
    if (flags.hang) await new Promise<void>((wake) => waiting.push(wake));
    if (flags.down) throw new StateUnavailableError('shared state (redis) hit: Connection is closed. (status reconnecting)');
    return op();
  };
  const store: SharedState = {
    kind: 'redis',
    hit: (key, windowMs, limit) => guard(() => inner.hit(key, windowMs, limit)),
    get: (key) => guard(() => inner.get(key)),
    set: (key, value, ttlMs) => guard(() => inner.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => guard(() => inner.setIfAbsent(key, value, ttlMs)),
    incr: (key, ttlMs) => guard(() => inner.incr(key, ttlMs)),
    delete: (key) => guard(() => inner.delete(key)),
    ready: () => guard(() => inner.ready()),
    close: () => inner.close(),
  };
  return Object.assign(flags, {
    store,
    release: () => {
      for (const wake of waiting) wake();
      waiting = [];
    },
  });
}

function setup(probeIntervalMs = 1000) {
  const primary = outageable();
  const local = createMemoryState({ maxKeys: 1000 });
  const switches: FallbackSwitch[] = [];
  let clock = 1_000_000;
  const state = createFallbackState({ primary: primary.store, local, onSwitch: (event) => switches.push(event), probeIntervalMs, now: () => clock });
  return {
    primary,
    local,
    switches,
    state,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('fallback state', () => {
  it('answers from primary while it is up, and says what it is', async () => {
    const { primary, local, switches, state } = setup();
    assert.equal(state.kind, 'redis');
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 1);
    assert.equal(await local.get('rl:a'), undefined, 'nothing written locally');
    assert.equal(primary.calls, 1);
    assert.equal(state.mode(), 'shared');
    assert.deepEqual(switches, []);
  });

  it('switches to local once per outage, keeps counting there, and back once when primary answers', async () => {
    const { primary, switches, state, advance } = setup();
    await state.hit('rl:a', 60_000, 3);
    primary.down = true;
    const during = [];
    for (let i = 0; i < 4; i++) during.push(await state.hit('rl:a', 60_000, 3));
    // Local knows nothing of the shared count: it starts a window of its own and enforces the limit.
    assert.deepEqual(
      during.map((r) => [r.count, r.allowed]),
      [
        [1, true],
        [2, true],
        [3, true],
        [4, false],
      ],
    );
    assert.equal(state.mode(), 'local');
    assert.equal(switches.length, 1, 'one switch for the whole outage');
    assert.deepEqual(switches[0], { to: 'local', reason: 'shared state (redis) hit: Connection is closed. (status reconnecting)' });
    assert.equal(primary.calls, 2, 'within the probe interval, calls go straight to local');

    advance(1000);
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 5, 'a failed probe is answered locally');
    assert.equal(primary.calls, 3);
    assert.equal(switches.length, 1, 'a failed probe does not report again');

    primary.down = false;
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 6, 'no probe before the interval');
    advance(1000);
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 2, 'the probe is answered by primary, whose count goes on');
    assert.equal(state.mode(), 'shared');
    assert.deepEqual(switches, [switches[0], { to: 'shared' }]);
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 3);
    assert.equal(switches.length, 2, 'back once');

    primary.down = true;
    await state.get('gl:t:x');
    assert.equal(switches.length, 3, 'a new outage is reported again');
    assert.equal(switches[2]?.to, 'local');
  });

  it('answers every kind of call locally during an outage', async () => {
    const { primary, state } = setup();
    primary.down = true;
    await state.set('k', 'v', 60_000);
    assert.equal(await state.get('k'), 'v');
    assert.equal(await state.setIfAbsent('k', 'w', 60_000), false);
    assert.equal(await state.setIfAbsent('n', 'w', 60_000), true);
    assert.equal(await state.incr('c', 60_000), 1);
    assert.equal(await state.incr('c', 60_000), 2);
    await state.delete('k');
    assert.equal(await state.get('k'), undefined);
  });

  it('lets argument errors and other errors through unchanged, without switching', async () => {
    const { primary, local, switches, state } = setup();
    await assert.rejects(state.get(''), { code: 'STATE_ARGUMENT_INVALID' });
    await state.set('s', 'text', 60_000);
    await assert.rejects(state.incr('s', 60_000), { code: 'STATE_ARGUMENT_INVALID' });
    assert.equal(await local.get('s'), undefined, 'not retried locally');
    const odd = createFallbackState({
      primary: { ...primary.store, get: () => Promise.reject(new MoatError('SOMETHING_ELSE', 'boom')) },
      local,
      onSwitch: (event) => switches.push(event),
    });
    await assert.rejects(odd.get('k'), { code: 'SOMETHING_ELSE' });
    assert.deepEqual(switches, []);
    // Argument errors during an outage come from local, just as they would from primary.
    primary.down = true;
    await state.get('k');
    await assert.rejects(state.set('k', 'x'.repeat(2000), 1000), { code: 'STATE_ARGUMENT_INVALID' });
  });

  it('probes primary with one call at a time: a hung primary does not hold the others', async () => {
    const { primary, switches, state, advance } = setup();
    primary.down = true;
    await state.hit('rl:a', 60_000, 3);
    advance(1000);
    primary.hang = true;
    const probe = state.hit('rl:a', 60_000, 3);
    // While the probe waits on primary, every other call is answered at once by local.
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 2);
    advance(5000);
    assert.equal((await state.hit('rl:a', 60_000, 3)).count, 3);
    assert.equal(primary.calls, 2, 'only the first call and the probe reached primary');
    primary.hang = false;
    primary.down = false;
    primary.release();
    assert.equal((await probe).count, 1, 'the probe is answered by primary');
    assert.deepEqual(
      switches.map((s) => s.to),
      ['local', 'shared'],
    );
  });

  it('an answer sent before a switch does not switch back', async () => {
    const { primary, switches, state } = setup();
    primary.hang = true;
    const early = state.get('k');
    primary.hang = false;
    primary.down = true;
    await state.get('k'); // the outage is noticed by a later call
    primary.down = false;
    primary.release();
    assert.equal(await early, undefined);
    assert.equal(state.mode(), 'local', 'a reply in flight before the outage does not end it');
    assert.deepEqual(
      switches.map((s) => s.to),
      ['local'],
    );
  });

  it('ready: a primary that is not ready is an outage, not a failure', async () => {
    const { primary, switches, state } = setup();
    primary.down = true;
    await state.ready();
    assert.equal(state.mode(), 'local');
    assert.deepEqual(
      switches.map((s) => s.to),
      ['local'],
    );
    assert.equal((await state.incr('c', 60_000)), 1);
  });

  it('close closes both, and later calls fail with STATE_UNAVAILABLE', async () => {
    const { local, state } = setup();
    await local.set('k', 'v', 60_000);
    await state.close();
    assert.equal(await local.get('k'), undefined, 'local was closed (cleared)');
    await assert.rejects(state.get('k'), { code: 'STATE_UNAVAILABLE' });
    await state.close();
  });
});
