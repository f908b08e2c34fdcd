/**
 * Greylisting and shared rate limits through `createReputation`, one suite
 * run on the in-process state and on Redis; then two nodes on one Redis
 * sharing a greylist pass and a rate-limit counter; then shared state down
 * (fail open and closed, as configured). The clock is injected for the
 * greylisting delays; Redis expiries are real, so windows are long here and
 * window expiry is tested on the in-process state, whose clock is injected.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { REPUTATION_DEFAULTS, type ReputationSettings } from '../../src/config/sections/reputation.js';
import { createDnsResolver } from '../../src/dns/index.js';
import { createReputation, type Reputation } from '../../src/reputation/index.js';
import { createMemoryState, createRedisState, type SharedState } from '../../src/state/index.js';
import { closedPort, deleteKeysWithPrefix, REDIS_HOST, REDIS_PORT, redisUnavailableReason, uniqueKeyPrefix } from '../support/redis.js';

const redisSkip = await redisUnavailableReason();

// Never asked here (no zones, rDNS not called by these stages); a closed loopback port guards against real lookups.
const resolver = createDnsResolver({ servers: [`127.0.0.1:${await closedPort()}`], timeoutMs: 100, tries: 1, cache: { maxEntries: 10, positiveTtlSeconds: 1, negativeTtlSeconds: 1 } });

function settingsWith(greylisting: Partial<ReputationSettings['greylisting']> = {}, rateLimits: Partial<ReputationSettings['rateLimits']> = {}): ReputationSettings {
  return {
    ...REPUTATION_DEFAULTS,
    dnsbl: { ...REPUTATION_DEFAULTS.dnsbl, zones: [] },
    greylisting: { ...REPUTATION_DEFAULTS.greylisting, exemptNetworks: [], enabled: true, autoWhitelistAfter: 3, ...greylisting },
    rateLimits: { ...REPUTATION_DEFAULTS.rateLimits, exemptNetworks: [], ...rateLimits },
  };
}

interface Backend {
  readonly name: string;
  readonly skip: string | undefined;
  /** A state on the shared store (each call: another node on the same store). */
  open(now: () => number): Promise<SharedState>;
  cleanup(): Promise<void>;
}

const memory = (): Backend => {
  let shared: SharedState | undefined;
  return {
    name: 'memory',
    skip: undefined,
    open: async (now) => (shared ??= createMemoryState({ maxKeys: 10_000, now })),
    cleanup: async () => undefined,
  };
};

const redis = (label: string): Backend => {
  const prefix = uniqueKeyPrefix(label);
  const opened: SharedState[] = [];
  return {
    name: 'redis',
    skip: redisSkip,
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
};

const rcpt = (ip: string, mailFrom: string, recipient: string, reverseVerified = false) => ({ ip, mailFrom, recipient, reverseVerified });

for (const backend of [memory(), redis('reputation-greylist')]) {
  describe(`greylisting and rate limits (${backend.name})`, { skip: backend.skip ?? false }, () => {
    let clock = 1_700_000_000_000;
    const now = (): number => clock;
    after(() => backend.cleanup());

    const make = async (settings: ReputationSettings): Promise<Reputation> => createReputation({ state: await backend.open(now), resolver, settings, now });

    it('defers a first attempt and an early retry, passes a retry after the delay, then remembers the triplet', async () => {
      const rep = await make(settingsWith({}));
      const first = await rep.checkRecipient(rcpt('192.0.2.10', 'Bob@Sender.Example', 'alice@corp.test'));
      assert.equal(first.outcome, 'deferred-new');
      assert.deepEqual([first.reply?.code, first.reply?.enhanced], [451, '4.7.1']);
      assert.match(first.reply?.message ?? '', /Greylisted.*retry in 300 seconds/u);
      clock += 120_000;
      const early = await rep.checkRecipient(rcpt('192.0.2.10', 'bob@sender.example', 'alice@corp.test'));
      assert.equal(early.outcome, 'deferred-early');
      assert.match(early.reply?.message ?? '', /retry in 180 seconds/u);
      clock += 180_000;
      // Another host of the same /24 retries: a sending pool counts as one client.
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.77', 'bob@sender.example', 'Alice@corp.test'))).outcome, 'passed-retry');
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.10', 'bob@sender.example', 'alice@corp.test'))).outcome, 'passed');
      // Another recipient, another network: a new triplet.
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.10', 'bob@sender.example', 'carol@corp.test'))).outcome, 'deferred-new');
      assert.equal((await rep.checkRecipient(rcpt('198.51.100.10', 'bob@sender.example', 'alice@corp.test'))).outcome, 'deferred-new');
      assert.equal((await rep.checkRecipient(rcpt('2001:db8:5:6::1', 'bob@sender.example', 'alice@corp.test'))).outcome, 'deferred-new');
      clock += 300_000;
      assert.equal((await rep.checkRecipient(rcpt('2001:db8:5:6:ffff::2', 'bob@sender.example', 'alice@corp.test'))).outcome, 'passed-retry', 'IPv6 per /64');
    });

    it('auto-whitelists a network + sender domain after enough passed triplets', async () => {
      const rep = await make(settingsWith({ autoWhitelistAfter: 2 }));
      for (const recipient of ['r1@corp.test', 'r2@corp.test']) {
        assert.equal((await rep.checkRecipient(rcpt('203.0.113.5', `${recipient.slice(0, 2)}@list.example`, recipient))).outcome, 'deferred-new');
      }
      clock += 301_000;
      for (const recipient of ['r1@corp.test', 'r2@corp.test']) {
        assert.equal((await rep.checkRecipient(rcpt('203.0.113.5', `${recipient.slice(0, 2)}@list.example`, recipient))).outcome, 'passed-retry');
      }
      assert.equal((await rep.checkRecipient(rcpt('203.0.113.9', 'someone-else@list.example', 'new@corp.test'))).outcome, 'whitelisted');
      assert.equal((await rep.checkRecipient(rcpt('203.0.113.9', 'x@other.example', 'new@corp.test'))).outcome, 'deferred-new', 'only that sender domain');
    });

    it('exempts configured networks and, when asked, clients with verified reverse DNS', async () => {
      const rep = await make(settingsWith({ exemptNetworks: ['192.0.2.128/25', '2001:db8:ff::/48'], skipVerifiedRdns: true }));
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.200', 'a@b.example', 'c@corp.test'))).outcome, 'exempt');
      assert.equal((await rep.checkRecipient(rcpt('2001:db8:ff:1::9', 'a@b.example', 'c@corp.test'))).outcome, 'exempt');
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.1', 'a@b.example', 'c@corp.test', true))).outcome, 'rdns-verified');
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.1', 'a@b.example', 'c@corp.test', false))).outcome, 'deferred-new');
      assert.throws(() => createReputation({ state: createMemoryState({ maxKeys: 1 }), resolver, settings: settingsWith({ exemptNetworks: ['not-a-net'] }) }), { code: 'REPUTATION_CONFIG_INVALID' });
    });

    it('hashes long addresses into bounded keys and still greylists them', async () => {
      const rep = await make(settingsWith({}));
      const long = `${'x'.repeat(200)}@long.example`;
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.1', long, `${'y'.repeat(200)}@corp.test`))).outcome, 'deferred-new');
      clock += 301_000;
      assert.equal((await rep.checkRecipient(rcpt('192.0.2.1', long.toUpperCase(), `${'y'.repeat(200)}@corp.test`))).outcome, 'passed-retry');
    });

    it('limits per sender, per domain and per address, and says until when', async () => {
      const rep = await make(settingsWith({}, { perIp: { count: 5, perSeconds: 600 }, perSender: { count: 2, perSeconds: 60 }, perSenderDomain: { count: 3, perSeconds: 60 } }));
      assert.equal((await rep.checkSender({ ip: '192.0.2.50', mailFrom: 'a@rate.example' })).outcome, 'allowed');
      assert.equal((await rep.checkSender({ ip: '192.0.2.50', mailFrom: 'A@rate.example' })).outcome, 'allowed');
      const third = await rep.checkSender({ ip: '192.0.2.50', mailFrom: 'a@rate.example' });
      assert.deepEqual([third.outcome, third.limit, third.reply?.code, third.reply?.enhanced], ['limited', 'perSender', 451, '4.7.1']);
      assert.match(third.reply?.message ?? '', /Too many messages from this sender; try again in \d+ seconds/u);
      const domain = await rep.checkSender({ ip: '192.0.2.50', mailFrom: 'b@rate.example' });
      assert.equal(domain.limit, 'perSenderDomain');
      // Bounces count per address only; the address is over its limit of 5 at the sixth transaction.
      assert.equal((await rep.checkSender({ ip: '192.0.2.50', mailFrom: '' })).outcome, 'allowed');
      assert.equal((await rep.checkSender({ ip: '192.0.2.50', mailFrom: '' })).limit, 'perIp');
      const exempt = await make(settingsWith({}, { perIp: { count: 1, perSeconds: 60 }, exemptNetworks: ['192.0.2.50'] }));
      assert.equal((await exempt.checkSender({ ip: '192.0.2.50', mailFrom: '' })).outcome, 'exempt');
    });

    if (backend.name === 'memory') {
      it('starts over when the retry comes after the window', async () => {
        const rep = await make(settingsWith({ windowHours: 1 }));
        assert.equal((await rep.checkRecipient(rcpt('192.0.2.9', 'late@s.example', 'x@corp.test'))).outcome, 'deferred-new');
        clock += 3_600_000;
        assert.equal((await rep.checkRecipient(rcpt('192.0.2.9', 'late@s.example', 'x@corp.test'))).outcome, 'deferred-new');
        clock += 300_000;
        assert.equal((await rep.checkRecipient(rcpt('192.0.2.9', 'late@s.example', 'x@corp.test'))).outcome, 'passed-retry');
      });
    }
  });
}

describe('two nodes on one Redis', { skip: redisSkip ?? false }, () => {
  const backend = redis('reputation-nodes');
  after(() => backend.cleanup());

  it('share a greylist pass and a rate-limit counter', async () => {
    let clock = 1_700_000_000_000;
    const now = (): number => clock;
    const settings = settingsWith({}, { perSender: { count: 3, perSeconds: 60 } });
    const nodeA = createReputation({ state: await backend.open(now), resolver, settings, now });
    const nodeB = createReputation({ state: await backend.open(now), resolver, settings, now });
    assert.equal((await nodeA.checkRecipient(rcpt('192.0.2.10', 'bob@s.example', 'alice@corp.test'))).outcome, 'deferred-new');
    clock += 301_000;
    // The sender retries through the other MX.
    assert.equal((await nodeB.checkRecipient(rcpt('192.0.2.10', 'bob@s.example', 'alice@corp.test'))).outcome, 'passed-retry');
    assert.equal((await nodeA.checkRecipient(rcpt('192.0.2.10', 'bob@s.example', 'alice@corp.test'))).outcome, 'passed');
    assert.equal((await nodeA.checkSender({ ip: '192.0.2.10', mailFrom: 'bob@s.example' })).outcome, 'allowed');
    assert.equal((await nodeB.checkSender({ ip: '192.0.2.11', mailFrom: 'bob@s.example' })).outcome, 'allowed');
    assert.equal((await nodeA.checkSender({ ip: '192.0.2.12', mailFrom: 'bob@s.example' })).outcome, 'allowed');
    assert.equal((await nodeB.checkSender({ ip: '192.0.2.13', mailFrom: 'bob@s.example' })).limit, 'perSender', 'the fourth, counted across both nodes');
  });
});

describe('shared state down', () => {
  it('fails open by default and closed when configured, quickly, with the error for the log', async () => {
    const state = createRedisState({ host: '127.0.0.1', port: await closedPort(), keyPrefix: 'moat-test:down:', commandTimeoutMs: 200, connectTimeoutMs: 200 });
    try {
      const open = createReputation({ state, resolver, settings: settingsWith({}) });
      const started = Date.now();
      const grey = await open.checkRecipient(rcpt('192.0.2.1', 'a@b.example', 'c@corp.test'));
      assert.deepEqual([grey.outcome, grey.reply, grey.error?.code], ['state-failed-open', undefined, 'STATE_UNAVAILABLE']);
      const rate = await open.checkSender({ ip: '192.0.2.1', mailFrom: 'a@b.example' });
      assert.deepEqual([rate.outcome, rate.reply], ['state-failed-open', undefined]);
      const closed = createReputation({ state, resolver, settings: settingsWith({ onStateFailure: 'closed' }, { onStateFailure: 'closed' }) });
      const greyClosed = await closed.checkRecipient(rcpt('192.0.2.1', 'a@b.example', 'c@corp.test'));
      assert.deepEqual([greyClosed.outcome, greyClosed.reply?.code, greyClosed.reply?.enhanced], ['state-failed-closed', 451, '4.3.0']);
      assert.equal((await closed.checkSender({ ip: '192.0.2.1', mailFrom: 'a@b.example' })).reply?.enhanced, '4.3.0');
      assert.ok(Date.now() - started < 1000, `within the deadlines (${Date.now() - started} ms)`);
    } finally {
      await state.close();
    }
  });
});
