/**
 * Retro-hunt on both engines: each indicator type finds exactly the messages
 * it should (not look-alikes: another domain sharing a suffix, the address
 * just outside a network, case), nothing outside the window, a re-hunt adds no
 * duplicate match, and retention takes the matches with their messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnalysisResult, Envelope, Verdict } from '../../src/core/index.js';
import { createQueueId } from '../../src/core/index.js';
import { parseAddress, parseNetwork } from '../../src/intel/index.js';
import {
  createHuntStore,
  createMessageLog,
  huntIndicators,
  purgeMessages,
  syncOrganizations,
  type HuntIndicator,
  type HuntNetworks,
  type MessageStatus,
  type Storage,
} from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const HASH_MSG = '1'.repeat(64);

interface Spec {
  readonly at: number;
  readonly from?: string;
  readonly ip?: string;
  readonly subject?: string;
  readonly hashes?: readonly string[];
  readonly names?: readonly string[];
  readonly urls?: readonly string[];
  readonly sha256?: string;
  readonly status?: MessageStatus;
  readonly action?: Verdict['action'];
  readonly organizationId?: number;
}

let seq = 0;
function entry(spec: Spec) {
  const envelope: Envelope = {
    mailFrom: spec.from ?? 'someone@quiet.example',
    rcptTo: ['user@corp.test'],
    client: { address: spec.ip ?? '198.51.100.7', port: 2525, helo: 'h.example' },
    sessionId: 's',
    receivedAt: new Date(spec.at).toISOString(),
    smtpUtf8: false,
  };
  const analysis: AnalysisResult = {
    headers: { subject: spec.subject ?? 'nothing to see' },
    artifacts: [
      ...(spec.hashes ?? []).map((sha256, i) => ({ path: `1.${String(i + 2)}`, declaredType: 'application/octet-stream', size: 1, sha256, ...(spec.names?.[i] === undefined ? {} : { declaredName: spec.names[i] }) })),
    ],
    findings: [],
    urls: [...(spec.urls ?? [])],
    elapsedMs: 1,
  };
  const verdict: Verdict = { action: spec.action ?? 'deliver', score: 1, reasons: [], policyVersion: 'r0' };
  const queueId = createQueueId(spec.at, Buffer.from(String((seq += 1)).padStart(10, '0')));
  return { queueId, envelope, size: 1, sha256: spec.sha256 ?? 'f'.repeat(64), analysis, verdict, status: spec.status ?? 'delivered', organizationId: spec.organizationId ?? 1 };
}

/** The IPv6 network test the app hands in (from intel/). */
const NETWORKS: HuntNetworks = {
  contains(network, address) {
    const net = parseNetwork(network);
    const addr = parseAddress(address);
    if (net === undefined || addr === undefined || net.family !== addr.family) return false;
    for (let bit = 0; bit < net.prefix; bit++) {
      const mask = 0x80 >> (bit & 7);
      if (((net.bytes[bit >> 3] ?? 0) & mask) !== ((addr.bytes[bit >> 3] ?? 0) & mask)) return false;
    }
    return true;
  },
};

for (const engine of STORAGE_ENGINES) {
  describe(`retro-hunt (${engine.name})`, { skip: engine.skip }, () => {
    let storage: Storage;
    const ids: Record<string, string> = {};
    const since = new Date(T0 - 30 * DAY);

    before(async () => {
      storage = await engine.open('retro_hunt');
      await syncOrganizations(storage.db, ['acme'], new Map());
      const log = createMessageLog(storage.db, 'node-a');
      const specs: Record<string, Spec> = {
        hashA: { at: T0, hashes: [HASH_A], names: ['Invoice.PDF.exe'] },
        hashAOld: { at: T0 - 60 * DAY, hashes: [HASH_A] },
        hashB: { at: T0 + 1000, hashes: [HASH_B], names: ['other.zip'] },
        ownHash: { at: T0 + 2000, sha256: HASH_MSG },
        ip: { at: T0 + 3000, ip: '203.0.113.9' },
        ipEdgeIn: { at: T0 + 4000, ip: '10.1.255.255' },
        ipEdgeOut: { at: T0 + 5000, ip: '10.2.0.0' },
        ipBig: { at: T0 + 6000, ip: '172.20.3.4' },
        ipBigOut: { at: T0 + 7000, ip: '172.32.0.1' },
        ip6: { at: T0 + 8000, ip: '2001:db8:5::1' },
        ip6Out: { at: T0 + 9000, ip: '2001:db9::1' },
        sender: { at: T0 + 10_000, from: 'Boss@Evil.example' },
        senderLookalike: { at: T0 + 11_000, from: 'x@notevil.example' },
        url: { at: T0 + 12_000, urls: ['https://login.evil.example/reset?id=1', 'https://clean.example/'] },
        urlLookalike: { at: T0 + 13_000, urls: ['https://evil.example.net/', 'https://badevil.example/'] },
        exactUrl: { at: T0 + 14_000, urls: ['https://files.example/p/42'] },
        otherPath: { at: T0 + 15_000, urls: ['https://files.example/p/43'] },
        subject: { at: T0 + 16_000, subject: 'Your INVOICE Is Ready' },
        subjectOther: { at: T0 + 17_000, subject: 'Your invoice is ready now' },
        quarantined: { at: T0 + 18_000, hashes: [HASH_A], status: 'quarantined', action: 'quarantine' },
      };
      for (const [name, spec] of Object.entries(specs)) {
        const e = entry(spec);
        ids[name] = e.queueId;
        await log.recordMessage(e);
      }
    });

    after(async () => {
      await storage?.close();
    });

    const hunt = (indicators: readonly HuntIndicator[], options: { until?: Date; limit?: number } = {}) =>
      huntIndicators(storage.db, indicators, { since, limitPerIndicator: options.limit ?? 100, networks: NETWORKS, ...(options.until === undefined ? {} : { until: options.until }) });
    const found = (result: Awaited<ReturnType<typeof hunt>>) => [...new Set(result.matches.map((m) => m.queueId))].sort();
    const idsOf = (...names: string[]) => names.map((n) => ids[n] ?? `missing ${n}`).sort();

    it('sha256 finds artifacts and the message hash, in the window only, with status and action', async () => {
      const result = await hunt([{ id: 7, type: 'sha256', value: HASH_A }, { type: 'sha256', value: HASH_MSG }]);
      assert.deepEqual(found(result), idsOf('hashA', 'ownHash', 'quarantined'));
      const own = result.matches.find((m) => m.queueId === ids['ownHash']);
      assert.equal(own?.matchedField, 'message.sha256');
      const held = result.matches.find((m) => m.queueId === ids['quarantined']);
      assert.deepEqual([held?.status, held?.action, held?.indicatorId, held?.matchedField], ['quarantined', 'quarantine', 7, 'artifact.sha256']);
      assert.deepEqual(found(await hunt([{ type: 'sha256', value: HASH_A }], { until: new Date(T0 + 1) })), idsOf('hashA'));
    });

    it('filename matches the whole name ignoring case; md5 and sha1 are reported not huntable', async () => {
      const result = await hunt([{ type: 'filename', value: 'invoice.pdf.exe' }, { type: 'md5', value: 'c'.repeat(32) }, { type: 'sha1', value: 'c'.repeat(40) }, { type: 'sha1', value: 'd'.repeat(40) }]);
      assert.deepEqual(found(result), idsOf('hashA'));
      assert.deepEqual(
        [...result.notHuntable].sort((a, b) => a.type.localeCompare(b.type)),
        [
          { type: 'md5', count: 1, reason: 'not huntable: the log keeps SHA-256 only' },
          { type: 'sha1', count: 2, reason: 'not huntable: the log keeps SHA-256 only' },
        ],
      );
    });

    it('addresses and networks: hosts, small and big IPv4 networks at their edges, IPv6 networks', async () => {
      assert.deepEqual(found(await hunt([{ type: 'ipv4', value: '203.0.113.9' }])), idsOf('ip'));
      assert.deepEqual(found(await hunt([{ type: 'ipv4', value: '203.0.113.0/24' }])), idsOf('ip'));
      assert.deepEqual(found(await hunt([{ type: 'ipv4', value: '10.0.0.0/15' }])), idsOf('ipEdgeIn'), '10.2.0.0 is just outside');
      assert.deepEqual(found(await hunt([{ type: 'ipv4', value: '172.16.0.0/12' }])), idsOf('ipBig'), '172.32.0.1 is just outside');
      assert.deepEqual(found(await hunt([{ type: 'ipv6', value: '2001:db8::/32' }])), idsOf('ip6'));
      assert.deepEqual(found(await hunt([{ type: 'ipv6', value: '2001:db8:5::1' }])), idsOf('ip6'));
    });

    it('domain: the sender domain exactly, URL hosts with subdomains, never a look-alike', async () => {
      const result = await hunt([{ type: 'domain', value: 'evil.example' }]);
      assert.deepEqual(found(result), idsOf('sender', 'url'));
      assert.deepEqual(result.matches.map((m) => m.matchedField).sort(), ['message.sender_domain', 'url.domain']);
      assert.equal(result.matches.find((m) => m.matchedField === 'url.domain')?.matchedValue, 'login.evil.example');
    });

    it('email ignores case; url matches whole; subject whole after case folding', async () => {
      assert.deepEqual(found(await hunt([{ type: 'email', value: 'boss@evil.example' }])), idsOf('sender'));
      assert.deepEqual(found(await hunt([{ type: 'url', value: 'https://files.example/p/42' }])), idsOf('exactUrl'));
      assert.deepEqual(found(await hunt([{ type: 'subject', value: 'your invoice is ready' }])), idsOf('subject'));
      assert.deepEqual(found(await hunt([{ type: 'subject', value: 'your invoice' }])), [], 'a prefix is not a match');
    });

    it('cuts an indicator at its limit (newest kept) and says so', async () => {
      const result = await hunt([{ type: 'sha256', value: HASH_A }], { limit: 1 });
      assert.deepEqual(found(result), idsOf('quarantined'));
      assert.deepEqual(result.truncated, [{ type: 'sha256', value: HASH_A, field: 'artifact.sha256' }]);
    });

    it('records matches once: a re-hunt adds none; retention deletes them with their message', async () => {
      const store = createHuntStore(storage.db);
      const result = await hunt([{ type: 'sha256', value: HASH_B }, { type: 'domain', value: 'evil.example' }]);
      const first = await store.start({ trigger: 'manual', requestedBy: 'test', indicators: 2, at: new Date() });
      assert.equal((await store.addMatches(first, result.matches, new Date())).length, 3);
      const second = await store.start({ trigger: 'manual', requestedBy: 'test', indicators: 2, at: new Date() });
      assert.equal((await store.addMatches(second, result.matches, new Date())).length, 0, 're-hunt: nothing new');
      await store.finish(second, { at: new Date(), matches: 3, messages: 3, elapsedMs: 5, detail: { ok: true } });
      assert.deepEqual((await store.get(second))?.detail, { ok: true });
      assert.deepEqual((await store.list({ limit: 1 })).map((r) => r.id), [second]);
      assert.equal((await store.matchesOfRun(first)).length, 3);
      assert.deepEqual((await store.matchesOfMessage(ids['hashB'] ?? '')).map((m) => m.indicatorValue), [HASH_B]);

      const log = createMessageLog(storage.db, 'node-a');
      assert.deepEqual((await log.search({ hunted: true })).map((m) => m.queueId).sort(), idsOf('hashB', 'sender', 'url'), 'the trace lists hunted messages');
      assert.deepEqual((await log.search({ hunted: true, sender: 'evil.example' })).map((m) => m.queueId), idsOf('sender'));
      assert.deepEqual((await log.search({ hunted: true, limit: 1 })).map((m) => m.queueId), idsOf('url'), 'newest first');
      // hashB is the only finished message at T0 + 1000 .. purge everything before T0 + 1500 that is finished.
      await purgeMessages(storage.db, { organizationId: 1, before: new Date(T0 + 1500), batchSize: 100, maxBatches: 10 });
      assert.deepEqual(await store.matchesOfMessage(ids['hashB'] ?? ''), []);
      assert.equal((await store.matchesOfRun(first)).length, 2, 'the other matches stay');
    });
  });
}
