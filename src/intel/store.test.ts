import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Indicator } from './index.js';
import { createCidrTrie, createIndicatorStore, createIndicatorStoreFromSnapshot, parseAddress, parseNetwork, parsePlainList } from './index.js';

const ind = (type: Indicator['type'], value: string, extra: Partial<Indicator> = {}): Indicator => ({ type, value, source: 't', confidence: 100, severity: 'high', ...extra });

test('CIDR trie: IPv4 and IPv6 networks match contained addresses, any match on the path', () => {
  const trie = createCidrTrie<string>();
  for (const n of ['10.0.0.0/8', '10.1.0.0/16', '192.0.2.7', '2001:db8::/32', '0.0.0.0/0']) trie.insert(parseNetwork(n) ?? assert.fail(n), n);
  const look = (a: string): string[] => trie.lookup(parseAddress(a) ?? assert.fail(a)).sort();
  assert.deepEqual(look('10.1.2.3'), ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16']);
  assert.deepEqual(look('10.2.0.1'), ['0.0.0.0/0', '10.0.0.0/8']);
  assert.deepEqual(look('192.0.2.7'), ['0.0.0.0/0', '192.0.2.7']);
  assert.deepEqual(look('192.0.2.8'), ['0.0.0.0/0']);
  assert.deepEqual(look('2001:db8:ffff::1'), ['2001:db8::/32']);
  assert.deepEqual(look('2001:db9::1'), []);
  // Dual-stack sockets report IPv4 clients as IPv4-mapped IPv6.
  assert.deepEqual(look('::ffff:10.1.0.1'), ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16']);
});

test('store: domains match themselves and subdomains, not look-alikes', () => {
  const store = createIndicatorStore([ind('domain', 'evil.example')]);
  assert.equal(store.match('domain', 'evil.example').length, 1);
  assert.equal(store.match('domain', 'Mail.EVIL.example.').length, 1);
  assert.equal(store.match('domain', 'notevil.example').length, 0);
  assert.equal(store.match('domain', 'evil.example.org').length, 0);
});

test('store: exact types normalise the looked-up value; expired indicators never match', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const store = createIndicatorStore(
    [
      ind('url', 'http://evil.example/a'),
      ind('subject', 'pay now'),
      ind('filename', 'invoice.exe'),
      ind('ipv4', '198.51.100.0/24', { expiresAt: Date.parse('2026-06-01T00:00:00Z') }),
      ind('sha256', 'a'.repeat(64), { expiresAt: Date.parse('2026-06-01T00:00:00Z') }),
    ],
    { now: () => now },
  );
  assert.equal(store.match('url', 'HTTP://EVIL.example:80/a#x').length, 1);
  assert.equal(store.match('subject', '  PAY\tnow ').length, 1);
  assert.equal(store.match('filename', 'INVOICE.EXE').length, 1);
  assert.equal(store.match('ipv4', '198.51.100.9').length, 1);
  assert.equal(store.match('sha256', 'A'.repeat(64)).length, 1);
  now = Date.parse('2026-06-01T00:00:01Z');
  assert.equal(store.match('ipv4', '198.51.100.9').length, 0);
  assert.equal(store.match('sha256', 'a'.repeat(64)).length, 0);
  assert.equal(store.match('url', 'http://evil.example/a').length, 1);
  assert.equal(store.count('sha256'), 1);
  assert.equal(store.count('md5'), 0);
});

test('snapshot: survives structured clone (as to a worker) and matches the same', () => {
  const { indicators } = parsePlainList(['a'.repeat(64), '203.0.113.0/24', 'bad.example', 'x@y.example'].join('\n'), { source: 'list' });
  const store = createIndicatorStore([...indicators, ind('sha256', 'a'.repeat(64), { source: 'other', actor: 'TA1' })]);
  const copy = createIndicatorStoreFromSnapshot(structuredClone(store.toSnapshot()));
  assert.deepEqual(copy.toSnapshot(), store.toSnapshot());
  assert.deepEqual(copy.match('sha256', 'a'.repeat(64)).map((i) => i.source), ['list', 'other']);
  assert.equal(copy.match('ipv4', '203.0.113.5').length, 1);
  assert.equal(copy.match('domain', 'www.bad.example').length, 1);
  assert.equal(copy.match('email', 'X@Y.example').length, 1);
});
