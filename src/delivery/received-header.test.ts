import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReceivedHeader } from './received-header.js';

const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

test('buildReceivedHeader writes a folded RFC 5321 trace field', () => {
  const header = buildReceivedHeader({
    helo: 'mail.sender.test',
    reverseName: 'mail.sender.test',
    clientAddress: '192.0.2.1',
    hostname: 'mx.moat.test',
    queueId: '01HZZZZZZZZZZZZZZZZZ',
    recipient: 'alice@example.test',
    date,
  });
  assert.equal(
    header,
    'Received: from mail.sender.test (mail.sender.test [192.0.2.1])\r\n' +
      '\tby mx.moat.test (Moat) with ESMTP\r\n' +
      '\tid 01HZZZZZZZZZZZZZZZZZ\r\n' +
      '\tfor <alice@example.test>; Tue, 02 Jan 2024 03:04:05 +0000\r\n',
  );
});

test('TLS, auth and SMTPUTF8 select the RFC 3848 / RFC 6531 protocol name', () => {
  const base = { helo: 'h', clientAddress: '192.0.2.1', hostname: 'mx', queueId: 'Q', date };
  const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' };
  assert.match(buildReceivedHeader({ ...base, tls }), /with ESMTPS \(version=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384\)/);
  assert.match(buildReceivedHeader({ ...base, tls, authenticated: true }), /with ESMTPSA /);
  assert.match(buildReceivedHeader({ ...base, smtpUtf8: true }), /with UTF8SMTP\r\n/);
  assert.match(buildReceivedHeader({ ...base, smtpUtf8: true, tls }), /with UTF8SMTPS /);
});

test('without a single recipient there is no for clause and the date ends the id line', () => {
  const header = buildReceivedHeader({ helo: 'h', clientAddress: '2001:db8::1', hostname: 'mx', queueId: 'Q', date });
  assert.doesNotMatch(header, /for </);
  assert.match(header, /\(unknown \[IPv6:2001:db8::1\]\)/);
  assert.match(header, /\tid Q; Tue, 02 Jan 2024 03:04:05 \+0000\r\n$/);
});

test('a hostile HELO cannot add lines or clauses', () => {
  const header = buildReceivedHeader({
    helo: 'evil\r\nX-Injected: yes\r\n\tby forged (x) with SMTP; ' + 'a'.repeat(5000),
    reverseName: 'r\u0000dns (fake)',
    clientAddress: '192.0.2.1',
    hostname: 'mx',
    queueId: 'Q',
    recipient: 'a>\r\nBcc: <b@c',
    date,
  });
  const lines = header.split('\r\n');
  assert.equal(lines.length, 5); // 4 lines + the empty string after the final CRLF
  assert.ok(!header.includes('X-Injected: yes\r\n'));
  assert.ok(lines.every((l) => l.length <= 998));
  assert.ok(lines.slice(1, 4).every((l) => l.startsWith('\t')));
  // The HELO stays one token: no space, parenthesis or semicolon survives to pose as another clause.
  assert.match(lines[0] ?? '', /^Received: from evilX-Injected:_yesby_forged__x__with_SMTP__a+ \(rdns__fake_ \[192\.0\.2\.1\]\)$/);
  assert.match(lines[3] ?? '', /^\tfor <a___Bcc:__b@c>; /);
});
