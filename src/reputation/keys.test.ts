import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientNetwork, dnsblQueryName, normaliseDomain, parseClientAddress, senderDomainOf, type ClientAddress } from './addresses.js';
import { classifyAnswer, selectDomains } from './dnsbl.js';
import { greylistKeys } from './greylist.js';
import { deriveKey, keyPart } from './keys.js';
import { rateCounters } from './rate-limits.js';

const addr = (text: string): ClientAddress => {
  const parsed = parseClientAddress(text);
  assert.ok(parsed, text);
  return parsed;
};

describe('reputation keys and names', () => {
  it('keeps short plain parts readable and hashes the rest, bounded and unambiguous', () => {
    assert.equal(keyPart('alice@example.com'), 'alice@example.com');
    assert.equal(keyPart('2001:db8::/64'), '2001:db8::/64');
    const long = keyPart(`${'a'.repeat(300)}@example.com`);
    assert.match(long, /^~[A-Za-z0-9_-]{22}$/u);
    assert.notEqual(keyPart('Alice@example.com'), keyPart('alice@example.com'), 'callers lower-case; the hash does not');
    assert.match(keyPart('a|b'), /^~/u, 'a separator inside a part is hashed');
    assert.match(keyPart('a\r\nb'), /^~/u);
    assert.equal(deriveKey('rl:ip', '192.0.2.1'), 'rl:ip:192.0.2.1');
    assert.ok(deriveKey('gl:t', 'x'.repeat(1000), 'y'.repeat(1000), 'z'.repeat(1000)).length < 100);
  });

  it('greylists per /24, /64, lower-cased sender and recipient; folds IPv4-mapped addresses', () => {
    const a = greylistKeys({ address: addr('192.0.2.10'), mailFrom: 'Bob@Example.COM', recipient: 'Alice@Corp.Test' });
    const b = greylistKeys({ address: addr('::ffff:192.0.2.200'), mailFrom: 'bob@example.com', recipient: 'alice@corp.test' });
    assert.deepEqual(a, b);
    assert.equal(a.pending, 'gl:t:192.0.2.0/24|bob@example.com|alice@corp.test');
    assert.equal(a.whitelist, 'gl:w:192.0.2.0/24|example.com');
    assert.equal(clientNetwork(addr('2001:db8:1:2:3:4:5:6')), '2001:db8:1:2::/64');
    const nullSender = greylistKeys({ address: addr('192.0.2.1'), mailFrom: '', recipient: 'a@corp.test' });
    assert.equal(nullSender.pending, 'gl:t:192.0.2.0/24||a@corp.test');
  });

  it('rate-limits per address (IPv6 per /64), sender and domain; the null sender only per address', () => {
    const limit = { count: 1, perSeconds: 60 };
    const settings = { perIp: limit, perSender: limit, perSenderDomain: limit, exemptNetworks: [], onStateFailure: 'open' as const };
    assert.deepEqual(
      rateCounters(settings, addr('2001:db8::1'), 'Bob@Example.com').map((c) => c.key),
      ['rl:ip:2001:db8::/64', 'rl:from:bob@example.com', 'rl:dom:example.com'],
    );
    assert.deepEqual(
      rateCounters(settings, addr('192.0.2.7'), '').map((c) => c.key),
      ['rl:ip:192.0.2.7'],
    );
  });

  it('builds DNSBL query names (RFC 5782)', () => {
    assert.equal(dnsblQueryName(addr('192.0.2.99'), 'bl.test'), '99.2.0.192.bl.test');
    assert.equal(dnsblQueryName(addr('2001:db8::1'), 'bl.test'), `1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.bl.test`);
  });

  it('counts only 127.0.0.0/8 answers, filtered by the zone; list errors are failures', () => {
    assert.deepEqual(classifyAnswer(['127.0.0.2'], {}), { kind: 'listed', codes: ['127.0.0.2'] });
    assert.deepEqual(classifyAnswer(['127.0.0.10'], { answers: ['127.0.0.2'] }), { kind: 'clean' });
    assert.deepEqual(classifyAnswer(['127.0.0.10', '127.0.0.2'], { answers: ['127.0.0.2'] }), { kind: 'listed', codes: ['127.0.0.2'] });
    assert.equal(classifyAnswer(['127.255.255.254'], {}).kind, 'error');
    assert.equal(classifyAnswer(['198.51.100.1'], {}).kind, 'error');
    assert.deepEqual(classifyAnswer([], {}), { kind: 'clean' });
  });

  it('normalises, de-duplicates and caps RHSBL domains', () => {
    assert.equal(normaliseDomain('Bücher.Example.'), 'xn--bcher-kva.example');
    assert.equal(normaliseDomain('localhost'), undefined);
    assert.equal(normaliseDomain('bad_domain..x'), undefined);
    assert.equal(normaliseDomain('a b.example'), undefined);
    assert.deepEqual(selectDomains(['A.example', 'a.example', 'nope', 'b.example', 'c.example'], 2, 10), ['a.example', 'b.example']);
    assert.equal(senderDomainOf('x@Y.Example.'), 'y.example');
  });
});
