/**
 * The gateway's DNS client against a real (local) DNS server: answers,
 * caching, negative answers, SERVFAIL and timeouts (never cached, always a
 * coded error), and a TXT record too large for UDP (TCP fallback).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDnsResolver, reverseName, type DnsResolver } from '../../src/dns/index.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';

describe('DNS resolver', () => {
  let server: TestDnsServer;
  let clock = 1_000_000;
  let dns: DnsResolver;

  before(async () => {
    server = await startDnsServer([
      { name: 'mail.example.test', type: 'A', data: '192.0.2.25' },
      { name: 'example.test', type: 'MX', data: { exchange: 'mail.example.test', preference: 10 } },
      { name: 'example.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.test' },
      { name: 'big.example.test', type: 'TXT', data: 'x'.repeat(6000) },
    ]);
    dns = createDnsResolver({
      servers: [server.address],
      timeoutMs: 200,
      tries: 1,
      cache: { maxEntries: 100, positiveTtlSeconds: 60, negativeTtlSeconds: 30 },
      now: () => clock,
    });
  });

  after(async () => {
    await server.stop();
  });

  it('answers A, MX, TXT and PTR in the shape dns.promises.resolve has', async () => {
    assert.deepEqual(await dns.resolve('mail.example.test', 'A'), ['192.0.2.25']);
    assert.deepEqual(await dns.resolve('example.test', 'MX'), [{ exchange: 'mail.example.test', priority: 10 }]);
    assert.deepEqual(await dns.resolve('Example.Test.', 'TXT'), [['v=spf1 ip4:192.0.2.0/24 -all']]);
    assert.deepEqual(await dns.reverse('192.0.2.25'), ['mail.example.test']);
  });

  it('caches answers for their TTL, NXDOMAIN for the negative TTL', async () => {
    const before = server.queries.length;
    await dns.resolve('mail.example.test', 'A');
    assert.equal(server.queries.length, before, 'served from the cache');
    await assert.rejects(dns.resolve('nothing.example.test', 'TXT'), { code: 'ENOTFOUND' });
    await assert.rejects(dns.resolve('nothing.example.test', 'TXT'), { code: 'ENOTFOUND' });
    assert.equal(server.queries.filter((q) => q === 'TXT nothing.example.test').length, 1);
    // NODATA: the name exists, the type does not.
    await assert.rejects(dns.resolve('mail.example.test', 'TXT'), { code: 'ENODATA' });
    clock += 61_000;
    await dns.resolve('mail.example.test', 'A');
    assert.equal(server.queries.filter((q) => q === 'A mail.example.test').length, 2, 'asked again after the TTL');
  });

  it('fails SERVFAIL and timeouts with their codes, quickly, and never caches them', async () => {
    server.servfail.add('broken.example.test');
    await assert.rejects(dns.resolve('broken.example.test', 'TXT'), { code: 'ESERVFAIL' });
    server.servfail.delete('broken.example.test');
    server.add({ name: 'broken.example.test', type: 'TXT', data: 'fixed' });
    assert.deepEqual(await dns.resolve('broken.example.test', 'TXT'), [['fixed']]);

    server.silent.add('slow.example.test');
    const started = Date.now();
    await assert.rejects(dns.resolve('slow.example.test', 'A'), { code: 'ETIMEOUT' });
    assert.ok(Date.now() - started < 3000, 'bounded by the configured timeout');
  });

  it('reads a TXT record too large for UDP over TCP', async () => {
    const [record] = (await dns.resolve('big.example.test', 'TXT')) as string[][];
    assert.equal(record?.join('').length, 6000);
  });

  it('asks PTR by name, so a failing reverse zone is a failure, not "no name"', async () => {
    assert.equal(reverseName('192.0.2.25'), '25.2.0.192.in-addr.arpa');
    assert.equal(reverseName('::ffff:192.0.2.25'), '25.2.0.192.in-addr.arpa');
    assert.equal(reverseName('2001:db8::1'), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
    assert.equal(reverseName('not an ip'), undefined);
    server.servfail.add('26.2.0.192.in-addr.arpa');
    await assert.rejects(dns.reverse('192.0.2.26'), { code: 'ESERVFAIL' });
    await assert.rejects(dns.reverse('192.0.2.27'), { code: 'ENOTFOUND' });
    await assert.rejects(dns.reverse('bogus'), { code: 'EBADNAME' });
  });

  it('refuses names that cannot be asked and types it does not serve', async () => {
    await assert.rejects(dns.resolve(`${'a'.repeat(60)}.`.repeat(5), 'A'), { code: 'EBADNAME' });
    await assert.rejects(dns.resolve('', 'A'), { code: 'EBADNAME' });
    await assert.rejects(dns.resolve('example.test', 'SOA'), { code: 'ENOTIMP' });
  });
});
