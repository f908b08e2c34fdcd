import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { examineHelo, heloFindings } from './helo-check.js';

const scoreOf = (helo: string): number => heloFindings(helo)[0]?.score ?? 0;

test('host names and address literals are fine', () => {
  for (const helo of ['mail.example.com', 'MX-1.Example.ORG', 'mail.example.com.', 'a.b', 'xn--bcher-kva.example', '[192.0.2.1]', '[IPv6:2001:db8::1]', '[ipv6:::1]']) {
    assert.deepEqual(examineHelo(helo), [], helo);
    assert.deepEqual(heloFindings(helo), [], helo);
  }
});

test('.onion addresses (SEASIDE C2) score at the quarantine threshold', () => {
  for (const helo of ['abcdefghijklmnop.onion', 'x.ONION', 'c2.example.onion.', 'abcdef.onion:443', 'a b.onion']) {
    assert.ok(examineHelo(helo).includes('onion'), helo);
    assert.ok(scoreOf(helo) >= 15, helo);
    assert.equal(heloFindings(helo)[0]?.severity, 'high', helo);
  }
  assert.ok(!examineHelo('onion.example.com').includes('onion'));
  assert.ok(!examineHelo('x.onionring.example').includes('onion'));
});

test('shell syntax in HELO scores at the quarantine threshold', () => {
  for (const helo of ['`id`.example.com', '$(id)', '${IFS}x', 'a;reboot', 'x|sh', 'a&&b', 'a>b', "it's", '"q"', 'a\\b', 'a\nb', 'x{1,2}']) {
    assert.ok(examineHelo(helo).includes('shell-metacharacter'), helo);
    assert.ok(scoreOf(helo) >= 15, helo);
  }
});

test('broken-client malformations score low, each named', () => {
  const cases: [string, string][] = [
    ['localhost', 'single-label'],
    ['DESKTOP-AB12', 'single-label'],
    ['192.0.2.1', 'bare-ip'],
    ['::1', 'bare-ip'],
    ['mail.example.com:25', 'port'],
    ['192.0.2.1:8080', 'port'],
    ['my_host.example.com', 'bad-character'],
    ['a..b', 'bad-label'],
    ['-a.example', 'bad-label'],
    [`${'a'.repeat(64)}.example`, 'bad-label'],
    [`${'abcdefgh.'.repeat(30)}com`, 'too-long'],
    ['[192.0.2.300]', 'bad-address-literal'],
    ['[IPv6:nonsense]', 'bad-address-literal'],
    ['[192.0.2.1', 'bad-address-literal'],
    ['mail example com', 'whitespace'],
    ['', 'empty'],
    ['   ', 'empty'],
  ];
  for (const [helo, problem] of cases) {
    assert.ok(examineHelo(helo).includes(problem as never), `${JSON.stringify(helo)}: ${examineHelo(helo).join(',')}`);
    const score = scoreOf(helo);
    assert.ok(score > 0 && score < 5, `${JSON.stringify(helo)} scored ${score}`);
  }
});

test('one finding per session, scored by the worst problem, detail escaped', () => {
  const findings = heloFindings('evil.onion:443 $(id)\u202e');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.symbol, 'SMTP_HELO_NOT_HOSTNAME');
  assert.equal(findings[0]?.engine, 'smtp');
  assert.equal(findings[0]?.score, 15);
  assert.match(findings[0]?.detail ?? '', /\.onion address.*shell metacharacters|shell metacharacters.*\.onion address/);
  assert.ok(findings[0]?.detail.includes('\\u{202e}'));
});

test('property: any string is examined without throwing; valid FQDNs never flagged', () => {
  fc.assert(fc.property(fc.string({ maxLength: 600 }), (helo) => Array.isArray(examineHelo(helo))));
  fc.assert(fc.property(fc.domain(), (domain) => !domain.includes('.') || examineHelo(domain).length === 0));
});

test('property: a shell metacharacter anywhere makes it high', () => {
  fc.assert(
    fc.property(fc.domain(), fc.constantFrom(...'`$;|&<>\'"\\(){}'.split('')), fc.nat(), (domain, meta, at) => {
      const i = at % (domain.length + 1);
      return scoreOf(domain.slice(0, i) + meta + domain.slice(i)) >= 15;
    }),
  );
});
