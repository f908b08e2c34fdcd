import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authservIdOf, checkDkimSignature, isSameAuthservId, splitHeaderFields } from './header-fields.js';
import { scanHeaderBlock } from './scan-headers.js';

const GOOD = 'v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=s1; h=from:subject; bh=AAAA; b=BBBB CCCC';

test('authserv-id: token, quoted-string, after comments; absent', () => {
  assert.equal(authservIdOf(' mx.moat.test; spf=pass'), 'mx.moat.test');
  assert.equal(authservIdOf('mx.moat.test 1; none'), 'mx.moat.test');
  assert.equal(authservIdOf(' (a (nested) comment) "mx.moat.test"; dkim=pass'), 'mx.moat.test');
  assert.equal(authservIdOf('"mx\\.moat.test"; x'), 'mx.moat.test');
  assert.equal(authservIdOf('mx.moat.test(comment); x'), 'mx.moat.test');
  assert.equal(authservIdOf('   '), undefined);
  assert.equal(authservIdOf('(unterminated comment'), undefined);
});

test('authserv-ids compare case-insensitively, a trailing dot ignored', () => {
  assert.ok(isSameAuthservId('MX.Moat.Test.', 'mx.moat.test'));
  assert.ok(!isSameAuthservId('mx.moat.test.example', 'mx.moat.test'));
});

test('forged Authentication-Results are counted; other ids, ARC-AR and look-alike names are not', () => {
  const block = Buffer.from(
    'Authentication-Results: mx.moat.test; dkim=pass\r\n' +
      'Authentication-Results:\r\n (folded) MX.MOAT.TEST; spf=pass\r\n' +
      'Authentication-Results: mx.other.test; spf=pass\r\n' +
      'ARC-Authentication-Results: i=1; mx.moat.test; spf=pass\r\n' +
      'X-Authentication-Results: mx.moat.test; spf=pass\r\n\r\n',
  );
  assert.equal(scanHeaderBlock(block, 'mx.moat.test', 10).forgedResults, 2);
});

test('a DKIM-Signature with the required tags passes the syntax check', () => {
  assert.deepEqual(checkDkimSignature(GOOD), { ok: true, domain: 'example.test', selector: 's1' });
  assert.ok(checkDkimSignature(`${GOOD}; i=@mail.example.test; l=100`).ok);
});

test('malformed DKIM-Signatures are named', () => {
  const reason = (value: string): string => {
    const check = checkDkimSignature(value);
    return check.ok ? 'ok' : check.reason;
  };
  assert.equal(reason(GOOD.replace('v=1', 'v=2')), 'v= missing or not 1');
  assert.equal(reason(GOOD.replace(' bh=AAAA;', '')), 'bh= missing');
  assert.equal(reason(GOOD.replace('rsa-sha256', 'rsa-md5')), 'unknown a= algorithm');
  assert.equal(reason(GOOD.replace('relaxed/relaxed', 'relaxed/odd')), 'unknown c= canonicalization');
  assert.equal(reason(GOOD.replace('d=example.test', 'd=exa mple')), 'd= is not a domain');
  assert.equal(reason(GOOD.replace('h=from:subject', 'h=subject')), 'h= does not include From');
  assert.equal(reason(`${GOOD}; i=@evil.test`), 'i= is not within d=');
  assert.equal(reason(`${GOOD}; d=again.test`), 'duplicate tag d=');
  assert.equal(reason('garbage'), 'tag without a name or value');
  assert.equal(reason(`${GOOD}; l=-1`), 'l= is not a number');
});

test('signatures past the limit are marked and trimmed from the block given to mailauth', () => {
  const sig = (s: string): string => `DKIM-Signature: ${GOOD.replace('s=s1', `s=${s}`)}\r\n`;
  const block = Buffer.from(`${sig('a')}From: x@example.test\r\n${sig('b')}${sig('c')}Subject: y\r\n\r\n`);
  const scan = scanHeaderBlock(block, 'mx.moat.test', 2);
  assert.deepEqual(
    scan.signatures.map((s) => [s.selector, s.skipped === true]),
    [
      ['a', false],
      ['b', false],
      ['c', true],
    ],
  );
  assert.equal(scan.trimmedBlock?.toString(), `${sig('a')}From: x@example.test\r\n${sig('b')}Subject: y\r\n\r\n`);
  assert.equal(scanHeaderBlock(block, 'mx.moat.test', 3).trimmedBlock, undefined);
});

test('fields split with their folding and raw bytes kept', () => {
  const fields = splitHeaderFields('A: 1\r\n 2\r\nB:3\r\nno colon\r\n');
  assert.deepEqual(
    fields.map((f) => [f.name, f.value, f.raw]),
    [
      ['a', '1 2', 'A: 1\r\n 2\r\n'],
      ['b', '3', 'B:3\r\n'],
      ['', 'no colon\r\n', 'no colon\r\n'],
    ],
  );
});
