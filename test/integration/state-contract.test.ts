/**
 * The SharedState contract, one suite run against the in-process state and
 * Redis: counters, windows, set-if-absent, expiry, atomicity under
 * concurrency, bounds. Then what only Redis has: two nodes sharing counts,
 * and outages (nothing listening, a server that never answers) ending in
 * STATE_UNAVAILABLE quickly, never a hang.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createFallbackState, createMemoryState, createRedisState, type SharedState } from '../../src/state/index.js';
import { closedPort, deleteKeysWithPrefix, REDIS_HOST, REDIS_PORT, redisUnavailableReason, uniqueKeyPrefix } from '../support/redis.js';
import { waitUntil } from '../support/wait.js';

const redisSkip = await redisUnavailableReason();

interface Backend {
  readonly name: string;
  readonly skip: string | undefined;
  open(): Promise<SharedState>;
  cleanup(): Promise<void>;
}

function redisBackend(label: string): Backend & { prefix: string } {
  const prefix = uniqueKeyPrefix(label);
  const opened: SharedState[] = [];
  return {
    name: 'redis',
    skip: redisSkip,
    prefix,
    async open() {
      const state = createRedisState({ host: REDIS_HOST, port: REDIS_PORT, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 2000 });
      opened.push(state);
      await state.ready();
      return state;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await deleteKeysWithPrefix(prefix);
    },
  };
}

const memoryBackend: Backend = {
  name: 'memory',
  skip: undefined,
  open: async () => createMemoryState({ maxKeys: 10_000 }),
  cleanup: async () => undefined,
};

/**
 * The fallback state keeps the contract both while Redis answers and while it is
 * lost (every call then answered by the node's own state).
 */
function fallbackBackend(name: string, port: () => Promise<number>): Backend {
  const prefix = uniqueKeyPrefix(`state-contract-${name.replace(/ /g, '-')}`);
  const opened: SharedState[] = [];
  return {
    name,
    skip: redisSkip,
    async open() {
      const primary = createRedisState({ host: REDIS_HOST, port: await port(), keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 300 });
      const state = createFallbackState({ primary, local: createMemoryState({ maxKeys: 10_000 }), onSwitch: () => undefined });
      opened.push(state);
      await state.ready();
      return state;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      await deleteKeysWithPrefix(prefix);
    },
  };
}

const BACKENDS = [
  memoryBackend,
  redisBackend('state-contract'),
  fallbackBackend('fallback over redis', () => Promise.resolve(REDIS_PORT)),
  fallbackBackend('fallback with redis lost', closedPort),
];

for (const backend of BACKENDS) {
  describe(`SharedState contract (${backend.name})`, { skip: backend.skip ?? false }, () => {
    let state: SharedState;
    before(async () => {
      state = await backend.open();
    });
    after(async () => {
      await state.close();
      await backend.cleanup();
    });

    it('hit counts a fixed window and allows up to the limit', async () => {
      const started = Date.now();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await state.hit('hit:a', 60_000, 3));
      assert.deepEqual(
        results.map((r) => [r.count, r.allowed]),
        [
          [1, true],
          [2, true],
          [3, true],
          [4, false],
        ],
      );
      for (const r of results) assert.ok(r.resetAt > started && r.resetAt <= Date.now() + 60_000, 'resetAt inside the window');
      // The window opened at the first hit: later hits do not push its end.
      assert.ok(Math.abs((results[3]?.resetAt ?? 0) - (results[0]?.resetAt ?? 0)) < 100);
    });

    it('get, set, setIfAbsent, incr and delete', async () => {
      assert.equal(await state.get('kv:missing'), undefined);
      await state.set('kv:a', 'one', 60_000);
      assert.equal(await state.get('kv:a'), 'one');
      assert.equal(await state.setIfAbsent('kv:a', 'two', 60_000), false);
      assert.equal(await state.get('kv:a'), 'one');
      assert.equal(await state.setIfAbsent('kv:b', 'two', 60_000), true);
      assert.equal(await state.get('kv:b'), 'two');
      assert.equal(await state.incr('kv:n', 60_000), 1);
      assert.equal(await state.incr('kv:n', 60_000), 2);
      await state.delete('kv:a');
      assert.equal(await state.get('kv:a'), undefined);
      await assert.rejects(state.incr('kv:b', 60_000), { code: 'STATE_ARGUMENT_INVALID' });
    });

    it('expires keys and windows after their TTL', async () => {
      await state.set('ttl:a', 'x', 80);
      await state.hit('ttl:w', 80, 1);
      assert.equal((await state.hit('ttl:w', 80, 1)).allowed, false);
      await waitUntil(async () => ((await state.get('ttl:a')) === undefined ? true : undefined), 2000, 'ttl:a expired');
      const fresh = await state.hit('ttl:w', 80, 1);
      assert.deepEqual([fresh.count, fresh.allowed], [1, true], 'a new window after expiry');
      assert.equal(await state.setIfAbsent('ttl:a', 'y', 60_000), true);
    });

    it('counts atomically under concurrency: every count once, exactly the limit allowed', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => state.hit('race:a', 60_000, 20)));
      assert.deepEqual(
        results.map((r) => r.count).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(results.filter((r) => r.allowed).length, 20);
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => state.setIfAbsent('race:claim', String(i), 60_000)));
      assert.equal(claims.filter(Boolean).length, 1, 'one setIfAbsent wins');
    });

    it('refuses keys, values and TTLs outside the bounds', async () => {
      await assert.rejects(state.get('k'.repeat(257)), { code: 'STATE_ARGUMENT_INVALID' });
      await assert.rejects(state.get(''), { code: 'STATE_ARGUMENT_INVALID' });
      await assert.rejects(state.set('v', 'x'.repeat(1025), 1000), { code: 'STATE_ARGUMENT_INVALID' });
      await assert.rejects(state.set('v', 'x', 0), { code: 'STATE_ARGUMENT_INVALID' });
      await assert.rejects(state.hit('v', 1.5, 1), { code: 'STATE_ARGUMENT_INVALID' });
    });
  });
}

describe('SharedState on Redis: two nodes', { skip: redisSkip ?? false }, () => {
  const backend = redisBackend('state-nodes');
  after(() => backend.cleanup());

  it('what one node counts, the other sees', async () => {
    const [a, b] = [await backend.open(), await backend.open()];
    assert.deepEqual([(await a.hit('rl:ip:192.0.2.1', 60_000, 2)).count, (await b.hit('rl:ip:192.0.2.1', 60_000, 2)).count], [1, 2]);
    const third = await a.hit('rl:ip:192.0.2.1', 60_000, 2);
    assert.deepEqual([third.count, third.allowed], [3, false]);
    assert.equal(await a.setIfAbsent('gl:t:x', '1', 60_000), true);
    assert.equal(await b.setIfAbsent('gl:t:x', '2', 60_000), false);
    assert.equal(await b.get('gl:t:x'), '1');
  });

  it('keys live under the configured prefix and nowhere else', async () => {
    const state = await backend.open();
    await state.set('layout:a', 'x', 60_000);
    assert.ok((await deleteKeysWithPrefix(backend.prefix)) >= 1);
    assert.equal(await state.get('layout:a'), undefined);
  });
});

describe('SharedState on Redis: outages', () => {
  it('nothing listening: ready() and every command fail with STATE_UNAVAILABLE, quickly', async () => {
    const events: string[] = [];
    const state = createRedisState({ host: '127.0.0.1', port: await closedPort(), keyPrefix: 'moat-test:down:', commandTimeoutMs: 200, connectTimeoutMs: 300, onEvent: (e) => events.push(e.type) });
    try {
      const started = Date.now();
      await assert.rejects(state.ready(), { code: 'STATE_UNAVAILABLE' });
      await assert.rejects(state.hit('a', 1000, 1), { code: 'STATE_UNAVAILABLE' });
      await assert.rejects(state.get('a'), { code: 'STATE_UNAVAILABLE' });
      await assert.rejects(state.setIfAbsent('a', '1', 1000), { code: 'STATE_UNAVAILABLE' });
      assert.ok(Date.now() - started < 1500, `failed within the deadlines (${Date.now() - started} ms)`);
      assert.ok(events.includes('error') && events.includes('reconnecting'), 'reports errors and keeps reconnecting');
    } finally {
      await state.close();
    }
    await assert.rejects(state.get('a'), { code: 'STATE_UNAVAILABLE' }, 'closed');
  });

  it('a server that accepts and never answers: STATE_UNAVAILABLE within the deadlines', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const state = createRedisState({ host: '127.0.0.1', port, keyPrefix: 'moat-test:mute:', commandTimeoutMs: 200, connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      await assert.rejects(state.ready(), { code: 'STATE_UNAVAILABLE' });
      await assert.rejects(state.hit('a', 1000, 1), { code: 'STATE_UNAVAILABLE' });
      assert.ok(Date.now() - started < 1500, `failed within the deadlines (${Date.now() - started} ms)`);
    } finally {
      await state.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
