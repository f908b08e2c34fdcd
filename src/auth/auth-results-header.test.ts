import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAuthResultsHeader, formatComment, formatPropertyValue, type AuthResultsInput } from './auth-results-header.js';
import { authservIdOf } from './header-fields.js';

const alignment = { spf: { mode: 'relaxed', aligned: true }, dkim: { mode: 'relaxed', aligned: true } } as const;

const base: AuthResultsInput = {
  authservId: 'mx.moat.test',
  spf: { result: 'pass', domain: 'example.test' },
  mailFrom: 'alice@example.test',
  helo: 'mail.example.test',
  dkim: [{ outcome: { domain: 'example.test', selector: 's1', result: 'pass', aligned: true }, b: 'AbCdEfGh12345' }],
  dmarc: { result: 'pass', policy: 'reject', domain: 'example.test', percent: 100, alignment },
  arc: { result: 'none', instance: 0 },
};

test('the field lists spf, each dkim, dmarc and arc, one per line, CRLF-terminated', () => {
  assert.equal(
    buildAuthResultsHeader(base),
    'Authentication-Results: mx.moat.test;\r\n' +
      '\tspf=pass smtp.mailfrom=alice@example.test smtp.helo=mail.example.test;\r\n' +
      '\tdkim=pass header.d=example.test header.s=s1 header.b=AbCdEfGh;\r\n' +
      '\tdmarc=pass (p=REJECT) header.from=example.test;\r\n' +
      '\tarc=none\r\n',
  );
});

test('no signature is dkim=none; a null sender uses the SPF domain; reasons become comments', () => {
  const header = buildAuthResultsHeader({
    ...base,
    mailFrom: '',
    spf: { result: 'softfail', domain: 'helo.test', explanation: 'mx.moat.test: not (quite) designated' },
    dkim: [],
    dmarc: { ...base.dmarc, result: 'fail', policy: 'quarantine' },
    arc: { result: 'pass', instance: 2 },
  });
  assert.match(header, /\tspf=softfail \(mx\.moat\.test: not \\\(quite\\\) designated\) smtp\.mailfrom=helo\.test/);
  assert.match(header, /\tdkim=none;\r\n/);
  assert.match(header, /\tdmarc=fail \(p=QUARANTINE\) header\.from=example\.test;/);
  assert.match(header, /\tarc=pass \(i=2\)\r\n$/);
});

test('hostile values can neither break the field nor inject a result', () => {
  const header = buildAuthResultsHeader({
    ...base,
    mailFrom: 'x@evil.test\r\nAuthentication-Results: mx.moat.test; dmarc=pass',
    helo: 'a;dkim=pass',
    dkim: [{ outcome: { domain: 'ev"il.test', selector: 's1; dmarc=pass', result: 'fail', aligned: false, reason: 'bad) (x' } }],
  });
  // Exactly one field: the only line starts are ours.
  const lines = header.split('\r\n');
  assert.equal(lines.filter((l) => /^\S/.test(l)).length, 1);
  assert.ok(lines.slice(1).every((l) => l === '' || /^\t/.test(l)));
  assert.match(header, /smtp\.mailfrom="x@evil\.testAuthentication-Results: mx\.moat\.test; dmarc=pass"/);
  assert.match(header, /smtp\.helo="a;dkim=pass"/);
  assert.match(header, /dkim=fail \(bad\\\) \\\(x\) header\.d="ev\\"il\.test" header\.s="s1; dmarc=pass"/);
  // The field parses back to our authserv-id.
  assert.equal(authservIdOf(header.slice(header.indexOf(':') + 1)), 'mx.moat.test');
});

test('long results fold at 78 characters between properties', () => {
  const long = 'a'.repeat(60);
  const header = buildAuthResultsHeader({ ...base, mailFrom: `${long}@example.test`, helo: `${long}.example.test` });
  const lines = header.split('\r\n');
  assert.ok(lines.some((l) => l.startsWith('\t smtp.helo=')));
  assert.ok(lines.every((l) => l.length <= 998));
});

test('property values and comments are printable ASCII and bounded', () => {
  assert.equal(formatPropertyValue('user@example.test'), 'user@example.test');
  assert.equal(formatPropertyValue(''), '""');
  assert.equal(formatPropertyValue('a b'), '"a b"');
  assert.equal(formatPropertyValue('ü\u0000x'), 'x');
  assert.equal(formatPropertyValue('x'.repeat(1000)).length, 256);
  assert.equal(formatComment('a(b)\\c'), '(a\\(b\\)\\\\c)');
});
