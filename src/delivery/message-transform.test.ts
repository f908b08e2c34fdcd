import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import libmime from 'libmime';
import { createMessageTransform } from './message-transform.js';

async function run(input: Buffer | string, opts: Parameters<typeof createMessageTransform>[0], chunkSize = 7): Promise<Buffer> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunkSize) chunks.push(buf.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(createMessageTransform(opts))) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

function subjectOf(message: Buffer): string[] {
  const text = message.toString('utf8');
  const head = text.slice(0, text.search(/\r?\n\r?\n/));
  const fields = head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/);
  return fields.filter((f) => /^subject\s*:/i.test(f)).map((f) => libmime.decodeWords(f.replace(/^subject\s*:\s*/i, '')));
}

const prefix = 'Received: from x by y; Tue, 02 Jan 2024 03:04:05 +0000\r\nX-Moat-Score: 1\r\n';

test('without a subject prefix the output is exactly prefix + original bytes', async () => {
  const original = Buffer.from('From: a@b\r\nSubject: hi\r\n\r\nbody\xff\r\n.line\r\n', 'latin1');
  const out = await run(original, { headerPrefix: prefix }, 3);
  assert.deepEqual(out, Buffer.concat([Buffer.from(prefix), original]));
});

test('an empty message still gets the prefix', async () => {
  assert.equal((await run('', { headerPrefix: prefix })).toString(), prefix);
  assert.equal((await run('', { headerPrefix: prefix, subjectPrefix: '[SPAM]' })).toString(), `${prefix}Subject: [SPAM]\r\n`);
});

test('a plain subject gets the prefix once, and only the Subject line changes', async () => {
  const original = 'From: a@b\r\nSubject: Hello there\r\nTo: c@d\r\n\r\nSubject: not a header\r\n';
  const out = await run(original, { headerPrefix: prefix, subjectPrefix: '[SPAM]' });
  assert.equal(out.toString(), `${prefix}From: a@b\r\nSubject: [SPAM] Hello there\r\nTo: c@d\r\n\r\nSubject: not a header\r\n`);
  const again = await run(out.subarray(prefix.length), { headerPrefix: '', subjectPrefix: '[SPAM]' });
  assert.deepEqual(again, out.subarray(prefix.length));
});

test('a folded subject keeps its folding', async () => {
  const original = 'Subject: a very long\r\n\tsubject line\r\nFrom: a@b\r\n\r\nbody';
  const out = await run(original, { headerPrefix: '', subjectPrefix: '[SPAM]' }, 5);
  assert.equal(out.toString(), 'Subject: [SPAM] a very long\r\n\tsubject line\r\nFrom: a@b\r\n\r\nbody');
  assert.deepEqual(subjectOf(out), ['[SPAM] a very long\tsubject line']);
});

test('an RFC 2047 encoded subject decodes with the prefix and a space', async () => {
  const original = `Subject: ${libmime.encodeWord('Grüße aus Köln', 'B')}\r\n\r\nx`;
  const out = await run(original, { headerPrefix: '', subjectPrefix: '[SPAM]' });
  assert.deepEqual(subjectOf(out), ['[SPAM] Grüße aus Köln']);
  const unicodePrefix = await run(original, { headerPrefix: '', subjectPrefix: '[⚠ SPAM]' });
  assert.deepEqual(subjectOf(unicodePrefix), ['[⚠ SPAM] Grüße aus Köln']);
  assert.ok(/^[\x00-\x7f]*$/.test(unicodePrefix.toString('latin1')));
});

test('an already prefixed encoded subject is left alone', async () => {
  const original = `Subject: ${libmime.encodeWord('[SPAM] Grüße', 'Q')}\r\n\r\nx`;
  const out = await run(original, { headerPrefix: '', subjectPrefix: '[spam]' });
  assert.equal(out.toString(), original);
});

test('a missing subject is added at the end of the header block', async () => {
  const out = await run('From: a@b\r\nTo: c@d\r\n\r\nbody', { headerPrefix: '', subjectPrefix: '[SPAM]' });
  assert.equal(out.toString(), 'From: a@b\r\nTo: c@d\r\nSubject: [SPAM]\r\n\r\nbody');
});

test('an empty subject becomes the prefix alone', async () => {
  const out = await run('Subject:\r\nFrom: a@b\r\n\r\nbody', { headerPrefix: '', subjectPrefix: '[SPAM]' });
  assert.equal(out.toString(), 'Subject: [SPAM]\r\nFrom: a@b\r\n\r\nbody');
});

test('every top-level Subject is tagged; nested message headers are not', async () => {
  const original =
    'Subject: one\r\nsubject : two\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n';
  const out = await run(original, { headerPrefix: '', subjectPrefix: '[T]' });
  assert.equal(
    out.toString(),
    'Subject: [T] one\r\nsubject : [T] two\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n',
  );
});

test('bare LF messages keep LF line ends', async () => {
  const out = await run('From: a@b\n\nbody\n', { headerPrefix: '', subjectPrefix: '[S]' });
  assert.equal(out.toString(), 'From: a@b\nSubject: [S]\n\nbody\n');
});

test('a message that is only headers, without a final line end', async () => {
  const out = await run('From: a@b\r\nSubject: x', { headerPrefix: '', subjectPrefix: '[S]' });
  assert.equal(out.toString(), 'From: a@b\r\nSubject: [S] x');
  const noSubject = await run('From: a@b', { headerPrefix: '', subjectPrefix: '[S]' });
  assert.equal(noSubject.toString(), 'From: a@b\r\nSubject: [S]\r\n');
});

test('a header block over the limit passes through unchanged', async () => {
  const original = `Subject: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\nbody`;
  const out = await run(original, { headerPrefix: 'P: 1\r\n', subjectPrefix: '[S]', maxHeaderBytes: 1000 }, 64);
  assert.equal(out.toString(), `P: 1\r\n${original}`);
});

test('the body after the header block is byte-identical, including 8-bit bytes', async () => {
  const body = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a, 0x80]);
  const original = Buffer.concat([Buffer.from('Subject: x\r\n\r\n'), body]);
  const out = await run(original, { headerPrefix: '', subjectPrefix: '[S]' }, 1);
  assert.deepEqual(out, Buffer.concat([Buffer.from('Subject: [S] x\r\n\r\n'), body]));
});

test('Authentication-Results in our name are dropped; other fields stay byte-for-byte', async () => {
  const original = Buffer.from(
    'Authentication-Results: mx.moat.test; dkim=pass header.d=bank.test\r\n' +
      'From: a@b\r\n' +
      'Authentication-Results: mx.upstream.test;\r\n\tspf=pass smtp.mailfrom=a@b\r\n' +
      'authentication-results :  (forged\r\n (nested) comment) "MX.Moat.Test."; dmarc=pass\r\n' +
      'X-Authentication-Results: mx.moat.test; kept\r\n' +
      'ARC-Authentication-Results: i=1; mx.moat.test; kept\r\n' +
      'Authentication-Results: mx.moat.test.example; kept\r\n' +
      'Subject: hi\xff\r\n\r\n' +
      'Authentication-Results: mx.moat.test; in the body\r\n',
    'latin1',
  );
  const expected = Buffer.from(
    'From: a@b\r\n' +
      'Authentication-Results: mx.upstream.test;\r\n\tspf=pass smtp.mailfrom=a@b\r\n' +
      'X-Authentication-Results: mx.moat.test; kept\r\n' +
      'ARC-Authentication-Results: i=1; mx.moat.test; kept\r\n' +
      'Authentication-Results: mx.moat.test.example; kept\r\n' +
      'Subject: hi\xff\r\n\r\n' +
      'Authentication-Results: mx.moat.test; in the body\r\n',
    'latin1',
  );
  for (const chunkSize of [1, 5, 64, 4096]) {
    const out = await run(original, { headerPrefix: prefix, removeAuthResultsFor: 'mx.moat.test' }, chunkSize);
    assert.deepEqual(out, Buffer.concat([Buffer.from(prefix), expected]), `chunk size ${chunkSize}`);
  }
});

test('our own Authentication-Results in headerPrefix is never removed', async () => {
  const ours = 'Authentication-Results: mx.moat.test;\r\n\tspf=pass smtp.mailfrom=a@b\r\n';
  const out = await run('Authentication-Results: MX.MOAT.TEST; forged\r\nFrom: a@b\r\n\r\nbody', {
    headerPrefix: ours,
    removeAuthResultsFor: 'mx.moat.test',
  });
  assert.equal(out.toString(), `${ours}From: a@b\r\n\r\nbody`);
});

test('removal works together with the subject prefix, with bare LF, and in a headers-only message', async () => {
  const both = await run('Authentication-Results: mx.moat.test; x\nSubject: hi\n\nbody\n', {
    headerPrefix: '',
    subjectPrefix: '[S]',
    removeAuthResultsFor: 'mx.moat.test',
  });
  assert.equal(both.toString(), 'Subject: [S] hi\n\nbody\n');
  const headersOnly = await run('From: a@b\r\nAuthentication-Results: mx.moat.test; x', { headerPrefix: '', removeAuthResultsFor: 'mx.moat.test' });
  assert.equal(headersOnly.toString(), 'From: a@b\r\n');
});

test('without removeAuthResultsFor, Authentication-Results fields pass untouched', async () => {
  const original = 'Authentication-Results: mx.moat.test; x\r\nFrom: a@b\r\n\r\nbody';
  assert.equal((await run(original, { headerPrefix: '' })).toString(), original);
  assert.equal((await run(original, { headerPrefix: '', removeAuthResultsFor: '' })).toString(), original);
});

test('a header block over the limit passes through unchanged, forged field included', async () => {
  const original = `Authentication-Results: mx.moat.test; x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\nbody`;
  const out = await run(original, { headerPrefix: '', removeAuthResultsFor: 'mx.moat.test', maxHeaderBytes: 1000 }, 64);
  assert.equal(out.toString(), original);
});
