/**
 * DNSBL, RHSBL and forward-confirmed reverse DNS through the gateway's DNS
 * client and the local test DNS server: listed, not listed, answer-code
 * filtering, list errors, SERVFAIL and silence ending as temperror findings
 * within the stage deadline, and no lookups at all for private clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REPUTATION_DEFAULTS, type ReputationSettings } from '../../src/config/sections/reputation.js';
import type { Finding } from '../../src/core/index.js';
import { createDnsResolver } from '../../src/dns/index.js';
import { createReputation, type Reputation } from '../../src/reputation/index.js';
import { createMemoryState } from '../../src/state/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';

const symbols = (findings: readonly Finding[]): string[] => findings.map((f) => f.symbol).sort();

const ZONES: ReputationSettings['dnsbl']['zones'] = [
  { zone: 'bl.test', type: 'ip', weight: 3 },
  { zone: 'filtered.test', type: 'ip', weight: 5, symbol: 'FILTERED', answers: ['127.0.0.2'] },
  { zone: 'refusing.test', type: 'ip', weight: 5 },
  { zone: 'dbl.test', type: 'domain', weight: 4, symbol: 'DBL' },
  { zone: 'uribl.test', type: 'domain', weight: 2, answers: ['127.0.0.4'] },
];

describe('reputation lookups through DNS', () => {
  let server: TestDnsServer;
  let reputation: Reputation;
  const settings: ReputationSettings = {
    ...REPUTATION_DEFAULTS,
    dnsbl: { zones: ZONES, deadlineMs: 400, maxDomains: 5 },
    rdns: { enabled: true, maxNames: 2, deadlineMs: 400 },
  };

  before(async () => {
    server = await startDnsServer([
      // 192.0.2.10: listed in bl.test; filtered.test answers a code the zone does not count.
      { name: '10.2.0.192.bl.test', type: 'A', data: '127.0.0.2' },
      { name: '10.2.0.192.filtered.test', type: 'A', data: '127.0.0.10' },
      { name: '10.2.0.192.refusing.test', type: 'A', data: '127.255.255.254' },
      { name: '10.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.sender.test' },
      { name: 'mail.sender.test', type: 'A', data: '192.0.2.10' },
      // 192.0.2.11: listed with the counted code; PTR does not resolve back.
      { name: '11.2.0.192.filtered.test', type: 'A', data: '127.0.0.2' },
      { name: '11.2.0.192.in-addr.arpa', type: 'PTR', data: 'fake.sender.test' },
      { name: 'fake.sender.test', type: 'A', data: '198.51.100.1' },
      // 192.0.2.12: nothing at all. 192.0.2.15: three PTR names, only the third confirms.
      { name: '15.2.0.192.in-addr.arpa', type: 'PTR', data: 'a.many.test' },
      { name: '15.2.0.192.in-addr.arpa', type: 'PTR', data: 'b.many.test' },
      { name: '15.2.0.192.in-addr.arpa', type: 'PTR', data: 'c.many.test' },
      { name: 'c.many.test', type: 'A', data: '192.0.2.15' },
      // 2001:db8::25: IPv6 nibble query and AAAA confirmation.
      { name: `5.2.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.bl.test`, type: 'A', data: '127.0.0.3' },
      { name: `5.2.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa`, type: 'PTR', data: 'v6.sender.test' },
      { name: 'v6.sender.test', type: 'AAAA', data: '2001:db8::25' },
      // Domains.
      { name: 'evil.example.dbl.test', type: 'A', data: '127.0.1.2' },
      { name: 'xn--bcher-kva.example.dbl.test', type: 'A', data: '127.0.1.2' },
      { name: 'evil.example.uribl.test', type: 'A', data: '127.0.0.8' },
      { name: 'phish.example.uribl.test', type: 'A', data: '127.0.0.4' },
    ]);
    server.add({ name: '13.2.0.192.in-addr.arpa', type: 'PTR', data: 'flaky.sender.test' });
    server.servfail.add('flaky.sender.test');
    server.servfail.add('16.2.0.192.in-addr.arpa');
    server.servfail.add('13.2.0.192.bl.test');
    server.silent.add('14.2.0.192.in-addr.arpa');
    server.silent.add('14.2.0.192.filtered.test');
    server.servfail.add('broken.example.dbl.test');
    const resolver = createDnsResolver({ servers: [server.address], timeoutMs: 3000, tries: 1, cache: { maxEntries: 1000, positiveTtlSeconds: 60, negativeTtlSeconds: 60 } });
    reputation = createReputation({ state: createMemoryState({ maxKeys: 100 }), resolver, settings });
  });

  after(async () => {
    await server.stop();
  });

  it('reports a listing per zone, counts only configured codes, and verifies reverse DNS', async () => {
    const result = await reputation.checkConnection({ ip: '192.0.2.10' });
    assert.equal(result.reverseName, 'mail.sender.test');
    assert.deepEqual(symbols(result.findings), ['RBL_BL_TEST', 'RBL_TEMPERROR']);
    const listed = result.findings.find((f) => f.symbol === 'RBL_BL_TEST');
    assert.deepEqual([listed?.engine, listed?.score, listed?.severity, listed?.artifact], ['reputation', 3, 'low', undefined]);
    assert.match(listed?.detail ?? '', /192\.0\.2\.10 listed in bl\.test \(127\.0\.0\.2\)/u);
    assert.match(result.findings.find((f) => f.symbol === 'RBL_TEMPERROR')?.detail ?? '', /refusing\.test.*refused the query \(127\.255\.255\.254\)/u);
  });

  it('reports a PTR that does not resolve back, and a client with no PTR', async () => {
    const mismatch = await reputation.checkConnection({ ip: '192.0.2.11' });
    assert.equal(mismatch.reverseName, undefined);
    assert.deepEqual(symbols(mismatch.findings), ['RBL_FILTERED', 'RDNS_MISMATCH']);
    assert.equal(mismatch.findings.find((f) => f.symbol === 'RBL_FILTERED')?.score, 5);
    const none = await reputation.checkConnection({ ip: '192.0.2.12' });
    assert.deepEqual(symbols(none.findings), ['RDNS_NONE']);
  });

  it('verifies at most maxNames PTR names', async () => {
    const result = await reputation.checkConnection({ ip: '192.0.2.15' });
    assert.deepEqual(symbols(result.findings), ['RDNS_MISMATCH']);
    assert.ok(!server.queries.includes('A c.many.test'), 'the third name is never asked');
  });

  it('looks IPv6 clients up by nibbles and confirms them by AAAA', async () => {
    const result = await reputation.checkConnection({ ip: '2001:db8::25' });
    assert.equal(result.reverseName, 'v6.sender.test');
    assert.deepEqual(symbols(result.findings), ['RBL_BL_TEST']);
  });

  it('turns SERVFAIL and silence into temperror findings within the stage deadline', async () => {
    const servfail = await reputation.checkConnection({ ip: '192.0.2.13' });
    assert.deepEqual(symbols(servfail.findings), ['RBL_TEMPERROR', 'RDNS_TEMPERROR']);
    const started = Date.now();
    const silent = await reputation.checkConnection({ ip: '192.0.2.14' });
    const elapsed = Date.now() - started;
    assert.deepEqual(symbols(silent.findings), ['RBL_TEMPERROR', 'RDNS_TEMPERROR']);
    assert.match(silent.findings.find((f) => f.symbol === 'RBL_TEMPERROR')?.detail ?? '', /filtered\.test.*deadline/u);
    // The resolver would wait 3 s; the stage deadline is 400 ms.
    assert.ok(elapsed >= 350 && elapsed < 1000, `bounded by the 400 ms deadline (${elapsed} ms)`);
    for (const finding of [...servfail.findings, ...silent.findings]) assert.equal(finding.score, 0, 'an outage is not evidence');
  });

  it('reports a PTR lookup that fails (SERVFAIL) as RDNS_TEMPERROR, not RDNS_NONE', async () => {
    const result = await reputation.checkConnection({ ip: '192.0.2.16' });
    assert.deepEqual(symbols(result.findings), ['RDNS_TEMPERROR']);
  });

  it('asks nothing about private and loopback clients', async () => {
    const before = server.queries.length;
    for (const ip of ['10.1.2.3', '127.0.0.1', '192.168.1.1', 'fd00::1', '::ffff:10.0.0.1']) assert.deepEqual(await reputation.checkConnection({ ip }), { findings: [] });
    assert.equal(server.queries.length, before);
    await assert.rejects(reputation.checkConnection({ ip: 'not an ip' }), { code: 'REPUTATION_ADDRESS_INVALID' });
  });

  it('checks domains against RHSBL zones: one finding per zone, IDN in punycode, capped and de-duplicated', async () => {
    const findings = await reputation.checkDomains(['Evil.Example', 'evil.example.', 'clean.example', 'Bücher.example', 'phish.example', 'broken.example', 'not a domain']);
    assert.deepEqual(symbols(findings), ['RHSBL_DBL', 'RHSBL_TEMPERROR', 'RHSBL_URIBL_TEST']);
    const dbl = findings.find((f) => f.symbol === 'RHSBL_DBL');
    assert.equal(dbl?.score, 4, 'scored once for two listed domains');
    assert.match(dbl?.detail ?? '', /evil\.example \(127\.0\.1\.2\), xn--bcher-kva\.example/u);
    assert.match(findings.find((f) => f.symbol === 'RHSBL_URIBL_TEST')?.detail ?? '', /phish\.example/u);
    assert.doesNotMatch(findings.find((f) => f.symbol === 'RHSBL_URIBL_TEST')?.detail ?? '', /evil/u, 'code 127.0.0.8 is not counted by uribl.test');
    const many = Array.from({ length: 50 }, (_, i) => `d${i}.example`);
    const before = server.queries.length;
    assert.deepEqual(await reputation.checkDomains(many), []);
    assert.equal(server.queries.length - before, 5 * 2, 'maxDomains x domain zones');
  });
});
