/**
 * Sender authentication end to end against a local authoritative DNS
 * server: SPF (ip4, include, redirect, the 10-lookup and void limits),
 * DKIM (good, tampered, several, malformed, DNS failures), DMARC policies
 * and alignment, ARC sealing and validation, forged Authentication-Results,
 * and the deadline. No test asks a real resolver.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSenderAuthenticator, type SenderAuthenticatorOptions, type SenderAuthResult } from '../../src/auth/index.js';
import { createDnsResolver, type DnsResolver } from '../../src/dns/index.js';
import { createDkimKey, signDkim, type TestDkimKey } from '../support/dkim.js';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from '../support/dns-server.js';

const AUTHSERV = 'mx.moat.test';
const GOOD_IP = '192.0.2.10';
const BAD_IP = '198.51.100.7';

function message(from: string, extraHeaders = '', body = 'Hello,\r\nthis is the body.\r\n'): string {
  return (
    `${extraHeaders}From: Sender <${from}>\r\nTo: bob@moat-customer.test\r\nSubject: quarterly report\r\n` +
    `Date: Tue, 02 Jan 2024 03:04:05 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\n${body}`
  );
}

function symbols(result: SenderAuthResult): string[] {
  return result.findings.map((f) => f.symbol).sort();
}

describe('sender authentication', () => {
  let dns: TestDnsServer;
  let resolver: DnsResolver;
  let dir: string;
  let seq = 0;
  let key: TestDkimKey;
  let otherKey: TestDkimKey;
  let forwarderKey: TestDkimKey;
  let servfailKey: TestDkimKey;

  const write = async (text: string | Buffer): Promise<string> => {
    seq += 1;
    const path = join(dir, `m${seq}.eml`);
    await writeFile(path, text);
    return path;
  };

  const authenticator = (extra: Partial<SenderAuthenticatorOptions> = {}) =>
    createSenderAuthenticator({ resolver, authservId: AUTHSERV, timeoutMs: 5_000, ...extra });

  const run = async (text: string | Buffer, mailFrom: string, clientIp = GOOD_IP, extra: Partial<SenderAuthenticatorOptions> = {}) =>
    authenticator(extra).authenticate({ path: await write(text), clientIp, helo: 'mail.example.test', mailFrom });

  before(async () => {
    key = createDkimKey('example.test', 's1');
    // A key published for other.test that does not match the one it signs with.
    otherKey = { ...createDkimKey('other.test', 's1'), record: createDkimKey('other.test', 's1').record };
    forwarderKey = createDkimKey('forwarder.test', 'arc');
    servfailKey = createDkimKey('dkfail.test', 's1');
    const includes: ZoneRecord[] = [];
    // A chain of 11 includes (l1 -> l12): the 11th DNS-querying term breaks the limit of 10 (RFC 7208 §4.6.4).
    for (let i = 1; i <= 12; i++) {
      includes.push({ name: `l${i}.loop.test`, type: 'TXT', data: i < 12 ? `v=spf1 include:l${i + 1}.loop.test -all` : `v=spf1 ip4:${GOOD_IP} -all` });
    }
    const bigSpf = `v=spf1 ${Array.from({ length: 300 }, (_, i) => `ip4:10.${Math.floor(i / 250)}.${i % 250}.1`).join(' ')} ip4:192.0.2.0/24 -all`;
    dns = await startDnsServer([
      { name: 'example.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/25 include:_spf.example.test -all' },
      { name: '_spf.example.test', type: 'TXT', data: 'v=spf1 ip4:203.0.113.0/24 -all' },
      { name: '_dmarc.example.test', type: 'TXT', data: 'v=DMARC1; p=reject; adkim=r; aspf=r' },
      key.record,
      { name: 'other.test', type: 'TXT', data: 'v=spf1 -all' },
      otherKey.record,
      { name: 'redirected.test', type: 'TXT', data: 'v=spf1 redirect=example.test' },
      { name: 'soft.test', type: 'TXT', data: 'v=spf1 ~all' },
      { name: 'quarantine.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: '_dmarc.quarantine.test', type: 'TXT', data: 'v=DMARC1; p=quarantine' },
      { name: 'monitor.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: '_dmarc.monitor.test', type: 'TXT', data: 'v=DMARC1; p=none' },
      { name: 'strict.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: '_dmarc.strict.test', type: 'TXT', data: 'v=DMARC1; p=reject; aspf=s; adkim=s' },
      { name: 'bounce.strict.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      ...includes,
      { name: 'void.test', type: 'TXT', data: 'v=spf1 a:nx1.void.test a:nx2.void.test a:nx3.void.test -all' },
      { name: 'big.test', type: 'TXT', data: bigSpf },
      { name: 'forwarder.test', type: 'TXT', data: 'v=spf1 ip4:198.51.100.0/24 -all' },
      forwarderKey.record,
      { name: 'dkfail.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: 'servfail.test', type: 'TXT', data: 'v=spf1 +all' },
      { name: 'silent.test', type: 'TXT', data: 'v=spf1 +all' },
    ]);
    dns.servfail.add('servfail.test');
    dns.servfail.add('s1._domainkey.dkfail.test');
    dns.servfail.add('_dmarc.dkfail.test');
    dns.silent.add('silent.test');
    resolver = createDnsResolver({
      servers: [dns.address],
      timeoutMs: 300,
      tries: 1,
      cache: { maxEntries: 1000, positiveTtlSeconds: 60, negativeTtlSeconds: 30 },
    });
    dir = await mkdtemp(join(tmpdir(), 'moat-auth-'));
  });

  after(async () => {
    await dns.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes SPF (ip4 and include), DKIM and DMARC for a signed message from an allowed IP', async () => {
    const original = message('alice@example.test');
    const result = await run((await signDkim(original, key)) + original, 'alice@example.test', '203.0.113.9');
    assert.equal(result.spf.result, 'pass');
    assert.equal(result.spf.domain, 'example.test');
    assert.deepEqual(result.dkim, [{ domain: 'example.test', selector: 's1', result: 'pass', aligned: true }]);
    assert.equal(result.dmarc.result, 'pass');
    assert.equal(result.dmarc.policy, 'reject');
    assert.equal(result.dmarc.domain, 'example.test');
    assert.deepEqual(result.dmarc.alignment, { spf: { mode: 'relaxed', aligned: true }, dkim: { mode: 'relaxed', aligned: true } });
    assert.deepEqual(result.arc, { result: 'none', instance: 0 });
    assert.deepEqual(symbols(result), ['DKIM_VALID', 'DMARC_PASS', 'SPF_PASS']);
    assert.match(result.authResultsHeader, /^Authentication-Results: mx\.moat\.test;\r\n\tspf=pass smtp\.mailfrom=alice@example\.test/);
    assert.match(result.authResultsHeader, /dkim=pass header\.d=example\.test header\.s=s1 header\.b=\S{8};/);
    assert.match(result.authResultsHeader, /dmarc=pass \(p=REJECT\) header\.from=example\.test;\r\n\tarc=none\r\n$/);
    assert.equal(result.arcHeaders, undefined);
    // Serialisable: survives JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  });

  it('follows redirect=, and fails SPF for an IP the record does not list', async () => {
    const redirected = await run(message('x@redirected.test'), 'x@redirected.test');
    assert.equal(redirected.spf.result, 'pass');
    const failed = await run(message('alice@example.test'), 'alice@example.test', BAD_IP);
    assert.equal(failed.spf.result, 'fail');
    assert.ok(symbols(failed).includes('SPF_FAIL'));
    // No DKIM and SPF fails: DMARC fails under p=reject.
    assert.equal(failed.dmarc.result, 'fail');
    assert.ok(symbols(failed).includes('DMARC_FAIL_REJECT'));
    assert.match(failed.authResultsHeader, /dkim=none/);
    const soft = await run(message('x@soft.test'), 'x@soft.test');
    assert.equal(soft.spf.result, 'softfail');
    assert.ok(symbols(soft).includes('SPF_SOFTFAIL'));
    const none = await run(message('x@nospf.test'), 'x@nospf.test');
    assert.equal(none.spf.result, 'none');
    assert.ok(symbols(none).includes('SPF_NONE'));
  });

  it('gives permerror for a chain of 11 includes and for too many void lookups', async () => {
    const loop = await run(message('x@l1.loop.test'), 'x@l1.loop.test');
    assert.equal(loop.spf.result, 'permerror');
    assert.match(loop.spf.explanation ?? '', /Too many DNS requests/);
    assert.ok(symbols(loop).includes('SPF_PERMERROR'));
    // Ten includes are still within the limit.
    const ten = await run(message('x@l2.loop.test'), 'x@l2.loop.test');
    assert.equal(ten.spf.result, 'pass');
    const voids = await run(message('x@void.test'), 'x@void.test');
    assert.equal(voids.spf.result, 'permerror');
    assert.match(voids.spf.explanation ?? '', /void/i);
  });

  it('reads a TXT record of several KB (over TCP) and evaluates it', async () => {
    const result = await run(message('x@big.test'), 'x@big.test');
    assert.equal(result.spf.result, 'pass');
  });

  it('fails DKIM when the body was changed after signing, and DMARC p=reject fails', async () => {
    const original = message('alice@example.test');
    const signature = await signDkim(original, key);
    const tampered = signature + original.replace('this is the body', 'this is the b0dy');
    const result = await run(tampered, 'alice@example.test', BAD_IP);
    assert.equal(result.dkim[0]?.result, 'fail');
    assert.equal(result.dkim[0]?.reason, 'body hash did not verify');
    assert.equal(result.dmarc.result, 'fail');
    assert.deepEqual(symbols(result), ['DKIM_INVALID', 'DMARC_FAIL_REJECT', 'SPF_FAIL']);
    const reject = result.findings.find((f) => f.symbol === 'DMARC_FAIL_REJECT');
    assert.equal(reject?.severity, 'high');
    assert.match(result.authResultsHeader, /dkim=fail \(body hash did not verify\)/);
    assert.match(result.authResultsHeader, /dmarc=fail \(p=REJECT\)/);
  });

  it('reports every signature: one good, one bad', async () => {
    const original = message('alice@example.test');
    const good = await signDkim(original, key);
    const bad = await signDkim(original, otherKey);
    const result = await run(bad + good + original, 'alice@example.test', BAD_IP);
    assert.deepEqual(
      result.dkim.map((d) => [d.domain, d.result, d.aligned]),
      [
        ['other.test', 'fail', false],
        ['example.test', 'pass', true],
      ],
    );
    assert.equal(result.dkim[0]?.reason, 'bad signature');
    // The aligned good signature carries DMARC although SPF fails.
    assert.equal(result.dmarc.result, 'pass');
    assert.deepEqual(symbols(result), ['DKIM_INVALID', 'DKIM_VALID', 'DMARC_PASS', 'SPF_FAIL']);
    assert.equal((result.authResultsHeader.match(/dkim=/g) ?? []).length, 2);
  });

  it('names a malformed DKIM-Signature as permerror, next to a good one', async () => {
    const original = message('alice@example.test');
    const good = await signDkim(original, key);
    const malformed = 'DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=s1; h=from:subject;\r\n b=AAAA\r\n';
    const result = await run(malformed + good + original, 'alice@example.test');
    assert.equal(result.dkim.length, 2);
    assert.equal(result.dkim[0]?.result, 'permerror');
    assert.equal(result.dkim[0]?.reason, 'malformed: bh= missing');
    assert.equal(result.dkim[1]?.result, 'pass');
    assert.ok(symbols(result).includes('DKIM_PERMERROR'));
    assert.match(result.authResultsHeader, /dkim=permerror \(malformed: bh= missing\) header\.d=example\.test/);
    // A signature whose key is not published is a permerror too (RFC 6376 §6.1.2).
    const nokey = createDkimKey('example.test', 'unpublished');
    const unsigned = await run((await signDkim(original, nokey)) + original, 'alice@example.test');
    assert.equal(unsigned.dkim[0]?.result, 'permerror');
    assert.equal(unsigned.dkim[0]?.reason, 'no key');
  });

  it('turns DNS SERVFAIL into temperror for SPF, DKIM and DMARC', async () => {
    const spf = await run(message('x@servfail.test'), 'x@servfail.test');
    assert.equal(spf.spf.result, 'temperror');
    assert.ok(symbols(spf).includes('SPF_TEMPERROR'));
    const original = message('x@dkfail.test');
    const result = await run((await signDkim(original, servfailKey)) + original, 'x@dkfail.test');
    assert.equal(result.spf.result, 'pass');
    assert.equal(result.dkim[0]?.result, 'temperror');
    assert.equal(result.dmarc.result, 'temperror');
    assert.deepEqual(symbols(result), ['DKIM_TEMPERROR', 'DMARC_TEMPERROR', 'SPF_PASS']);
  });

  it('turns a silent DNS server into temperror (resolver timeout)', async () => {
    const started = Date.now();
    const result = await run(message('x@silent.test'), 'x@silent.test');
    assert.equal(result.spf.result, 'temperror');
    assert.ok(Date.now() - started < 3_000);
  });

  it('ends at the whole-authentication deadline even when each lookup would wait longer', async () => {
    const slow = createDnsResolver({
      servers: [dns.address],
      timeoutMs: 10_000,
      tries: 2,
      cache: { maxEntries: 10, positiveTtlSeconds: 1, negativeTtlSeconds: 1 },
    });
    const started = Date.now();
    const result = await createSenderAuthenticator({ resolver: slow, authservId: AUTHSERV, timeoutMs: 400 }).authenticate({
      path: await write(message('x@silent.test')),
      clientIp: GOOD_IP,
      helo: 'mail.example.test',
      mailFrom: 'x@silent.test',
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1_500, `took ${elapsed} ms`);
    assert.equal(result.spf.result, 'temperror');
    assert.ok(symbols(result).includes('SPF_TEMPERROR'));
    assert.match(result.findings.find((f) => f.symbol === 'SPF_TEMPERROR')?.detail ?? '', /deadline/);
    assert.match(result.authResultsHeader, /^Authentication-Results: mx\.moat\.test;/);
  });

  it('maps DMARC p=quarantine and p=none failures, and strict alignment', async () => {
    const quarantine = await run(message('x@quarantine.test'), 'x@quarantine.test', BAD_IP);
    assert.equal(quarantine.dmarc.policy, 'quarantine');
    assert.ok(symbols(quarantine).includes('DMARC_FAIL_QUARANTINE'));
    const monitor = await run(message('x@monitor.test'), 'x@monitor.test', BAD_IP);
    assert.equal(monitor.dmarc.policy, 'none');
    assert.ok(symbols(monitor).includes('DMARC_FAIL_NONE'));
    // SPF passes for bounce.strict.test, but aspf=s wants the exact From domain.
    const strict = await run(message('x@strict.test'), 'bounces@bounce.strict.test');
    assert.equal(strict.spf.result, 'pass');
    assert.equal(strict.dmarc.result, 'fail');
    assert.deepEqual(strict.dmarc.alignment.spf, { mode: 'strict', aligned: false });
    assert.ok(symbols(strict).includes('DMARC_FAIL_REJECT'));
    const relaxedOk = await run(message('x@strict.test'), 'x@strict.test');
    assert.equal(relaxedOk.dmarc.result, 'pass');
  });

  it('flags a DMARC bypass with two From addresses as permerror', async () => {
    const text = message('alice@example.test').replace('From: Sender <alice@example.test>', 'From: a@example.test, b@evil.test');
    const result = await run(text, 'x@evil.test', BAD_IP);
    assert.equal(result.dmarc.result, 'permerror');
    assert.ok(symbols(result).includes('DMARC_PERMERROR'));
  });

  it('flags an incoming Authentication-Results claiming our authserv-id, not others', async () => {
    const forged = 'Authentication-Results: MX.Moat.Test; dkim=pass header.d=bank.test; dmarc=pass\r\n';
    const theirs = 'Authentication-Results: mx.upstream.test; spf=pass\r\n';
    const result = await run(message('alice@example.test', forged + theirs), 'alice@example.test');
    assert.ok(symbols(result).includes('AUTH_RESULTS_FORGED'));
    assert.match(result.findings.find((f) => f.symbol === 'AUTH_RESULTS_FORGED')?.detail ?? '', /^1 Authentication-Results/);
    const clean = await run(message('alice@example.test', theirs), 'alice@example.test');
    assert.ok(!symbols(clean).includes('AUTH_RESULTS_FORGED'));
  });

  it('seals on relay; the next hop validates the chain, and a trusted sealer overrides DMARC', async () => {
    // The original passes SPF at the forwarder, which seals it.
    const original = message('alice@example.test');
    const atForwarder = await run(original, 'alice@example.test', GOOD_IP, {
      authservId: 'mx.forwarder.test',
      arcSeal: { domain: 'forwarder.test', selector: 'arc', privateKey: forwarderKey.privateKey },
    });
    assert.equal(atForwarder.dmarc.result, 'pass');
    assert.ok(atForwarder.arcHeaders !== undefined);
    assert.match(atForwarder.arcHeaders, /^ARC-Seal: i=1;/m);
    assert.match(atForwarder.arcHeaders, /^ARC-Message-Signature: i=1;/m);
    assert.match(atForwarder.arcHeaders, /^ARC-Authentication-Results: i=1; mx\.forwarder\.test;/m);
    assert.ok(atForwarder.arcHeaders.endsWith('\r\n'));
    const forwarded = atForwarder.arcHeaders + original;
    // At our gateway the forwarder's IP fails SPF: DMARC fails, ARC passes.
    const plain = await run(forwarded, 'alice@example.test', '198.51.100.20');
    assert.deepEqual(plain.arc, { result: 'pass', instance: 1, sealer: 'forwarder.test', upstreamDmarc: 'pass' });
    assert.equal(plain.dmarc.result, 'fail');
    assert.ok(symbols(plain).includes('DMARC_FAIL_REJECT'));
    assert.ok(symbols(plain).includes('ARC_PASS'));
    const trusted = await run(forwarded, 'alice@example.test', '198.51.100.20', { trustedArcSealers: ['Forwarder.test'] });
    assert.equal(trusted.dmarc.arcOverride, 'forwarder.test');
    assert.ok(symbols(trusted).includes('DMARC_ARC_OVERRIDE'));
    assert.ok(!symbols(trusted).includes('DMARC_FAIL_REJECT'));
    assert.match(trusted.authResultsHeader, /dmarc=fail \(p=REJECT arc-override=forwarder\.test\)/);
    assert.match(trusted.authResultsHeader, /arc=pass \(i=1\)/);
    // Changed after sealing: the chain breaks, and no override applies.
    const broken = forwarded.replace('Subject: quarterly report', 'Subject: quarterly report (edited)');
    const failed = await run(broken, 'alice@example.test', '198.51.100.20', { trustedArcSealers: ['forwarder.test'] });
    assert.equal(failed.arc.result, 'fail');
    assert.ok(symbols(failed).includes('ARC_FAIL'));
    assert.ok(symbols(failed).includes('DMARC_FAIL_REJECT'));
  });

  it('bounds the work: too many signatures, oversized header block or message', async () => {
    const original = message('alice@example.test');
    const good = await signDkim(original, key);
    const junk = Array.from({ length: 5 }, (_, i) => good.replace('s=s1', `s=x${i}`)).join('');
    const many = await run(junk + good + original, 'alice@example.test', GOOD_IP, { maxSignatures: 3 });
    assert.equal(many.dkim.length, 6);
    assert.deepEqual(
      many.dkim.map((d) => d.result),
      ['permerror', 'permerror', 'permerror', 'neutral', 'neutral', 'neutral'],
    );
    assert.ok(symbols(many).includes('DKIM_TOO_MANY'));
    const bigHeader = await run(`X-Pad: ${'a'.repeat(5000)}\r\n${original}`, 'alice@example.test', GOOD_IP, { maxHeaderBytes: 1000 });
    assert.ok(symbols(bigHeader).includes('AUTH_TOO_LARGE'));
    assert.equal(bigHeader.spf.result, 'pass');
    const bigBody = await run(message('alice@example.test', '', 'x'.repeat(5000)), 'alice@example.test', GOOD_IP, { maxMessageBytes: 2000 });
    assert.ok(symbols(bigBody).includes('AUTH_TOO_LARGE'));
  });

  it('reports a missing spool file as AUTH_FAIL with temperror results, never a throw', async () => {
    const result = await authenticator().authenticate({ path: join(dir, 'missing.eml'), clientIp: GOOD_IP, helo: 'h.test', mailFrom: '' });
    assert.equal(result.spf.result, 'temperror');
    assert.ok(symbols(result).includes('AUTH_FAIL'));
  });

  it('never asked anything outside the test zone server', () => {
    assert.ok(dns.queries.length > 0);
  });
});
