import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { AnalysisResult } from '../core/index.js';
import { analyzeMessage } from './index.js';
import type { AnalysisLimits } from './index.js';

// dist/src/analysis/ -> repository root
const FIXTURES = new URL('../../../test/fixtures/mail/', import.meta.url);
const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };

const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
const analyze = (name: string, limits: AnalysisLimits = LIMITS): Promise<AnalysisResult> => analyzeMessage(fixture(name), limits);
const symbols = (r: AnalysisResult): string[] => r.findings.map((f) => f.symbol).sort();
const paths = (r: AnalysisResult): string[] => r.artifacts.map((a) => a.path);
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

test('plain text message: one artifact at path 1, headers, no findings', async () => {
  const r = await analyze('plain-text.eml');
  assert.deepEqual(paths(r), ['1']);
  assert.equal(r.artifacts[0]?.declaredType, 'text/plain');
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.headers, {
    messageId: '<plain-text@sender.example>',
    subject: 'Plain text',
    from: '"Alice Sender" <alice@sender.example>',
    fromAddress: 'alice@sender.example',
    fromName: 'Alice Sender',
    to: 'bob@moat.example',
    date: 'Tue, 25 Nov 2025 10:00:00 +0000',
  });
  assert.ok(r.elapsedMs >= 0);
});

test('multipart/alternative: both bodies, QP decoded, RFC 2047 subject decoded', async () => {
  const r = await analyze('multipart-alternative.eml');
  assert.deepEqual(paths(r), ['1', '2']);
  assert.equal(r.headers.subject, 'Quartalsbericht Übersicht');
  const [text, html] = r.artifacts;
  assert.equal(text?.sha256, sha256('Quartalsbericht Übersicht: alles im Plan.'));
  assert.equal(text?.size, Buffer.byteLength('Quartalsbericht Übersicht: alles im Plan.'));
  assert.equal(html?.declaredType, 'text/html');
  assert.equal(html?.detectedType, 'text/html');
  assert.deepEqual(r.findings, []);
});

test('pdf attachment: name, disposition, detected type, decoded size', async () => {
  const r = await analyze('attachment-pdf.eml');
  const pdf = r.artifacts.find((a) => a.path === '2');
  assert.equal(pdf?.declaredName, 'contract.pdf');
  assert.equal(pdf?.disposition, 'attachment');
  assert.equal(pdf?.declaredType, 'application/pdf');
  assert.equal(pdf?.detectedExtension, 'pdf');
  assert.equal(pdf?.size, 308);
  assert.deepEqual(r.findings, []);
});

test('PE attachment is an executable by content', async () => {
  const r = await analyze('attachment-pe.eml');
  assert.equal(r.artifacts[1]?.detectedExtension, 'exe');
  assert.deepEqual(symbols(r), ['FILETYPE_EXECUTABLE']);
  assert.equal(r.findings[0]?.artifact, '2');
  assert.equal(r.findings[0]?.engine, 'filetype');
});

test('double extensions, with and without padding', async () => {
  const r = await analyze('double-extension.eml');
  const on = (path: string): string[] => r.findings.filter((f) => f.artifact === path).map((f) => f.symbol).sort();
  assert.deepEqual(on('2'), ['FILETYPE_DOUBLE_EXTENSION', 'FILETYPE_EXECUTABLE']);
  assert.deepEqual(on('3'), ['FILETYPE_DOUBLE_EXTENSION', 'FILETYPE_SCRIPT']);
});

test('RLO file name (RFC 2231 and 2047) is flagged and escaped everywhere', async () => {
  const r = await analyze('rtlo-name.eml');
  assert.equal(r.artifacts[1]?.declaredName, 'photo\\u{202e}gpj.exe');
  assert.ok(symbols(r).includes('FILETYPE_RTLO_NAME'));
  for (const f of r.findings) assert.doesNotMatch(f.detail, /\u202e/u);
});

test('message/rfc822 parts are opened, inline 7bit and base64 alike, paths continue', async () => {
  const r = await analyze('nested-rfc822.eml');
  assert.deepEqual(paths(r), ['1', '2.1', '2.2', '3.1']);
  assert.equal(r.artifacts[2]?.declaredName, 'inner.pdf');
  assert.equal(r.artifacts[2]?.detectedExtension, 'pdf');
  assert.deepEqual(
    r.findings.map((f) => [f.symbol, f.artifact]),
    [['FILETYPE_EXECUTABLE', '3.1']],
  );
  // Headers are the top-level message's, not the forwarded ones'.
  assert.equal(r.headers.subject, 'Fwd: two messages');
});

test('unterminated multipart: parts still scanned, MIME_UNTERMINATED', async () => {
  const r = await analyze('malformed-unterminated.eml');
  assert.deepEqual(paths(r), ['1', '2']);
  assert.equal(r.artifacts[1]?.sha256, sha256('some binary data that runs to the end of the message'));
  assert.deepEqual(symbols(r), ['MIME_UNTERMINATED']);
});

test('bad base64 is a finding, the part is still decoded and typed', async () => {
  const r = await analyze('malformed-bad-base64.eml');
  // The decoded part is a truncated PDF, so the PDF dissector reports it too.
  assert.deepEqual(symbols(r), ['MIME_BAD_BASE64', 'PDF_MALFORMED']);
  assert.equal(r.findings[0]?.artifact, '2');
  assert.equal(r.artifacts[1]?.detectedExtension, 'pdf');
});

test('multipart without boundary: finding, and its body is scanned as part 1', async () => {
  const r = await analyze('malformed-boundary-missing.eml');
  assert.deepEqual(symbols(r), ['MIME_BOUNDARY_MISSING']);
  assert.deepEqual(paths(r), ['1']);
  assert.ok((r.artifacts[0]?.size ?? 0) > 0);
});

test('garbage and empty input become MIME_MALFORMED, not exceptions', async () => {
  const garbage = await analyze('garbage.eml');
  assert.deepEqual(symbols(garbage), ['MIME_MALFORMED']);
  const empty = await analyzeMessage(new Uint8Array(0), LIMITS);
  assert.deepEqual(symbols(empty), ['MIME_MALFORMED']);
});

test('a part without any header fields is legal, not malformed', async () => {
  const raw = Buffer.from('Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nno headers here\r\n--b--\r\n');
  const r = await analyzeMessage(raw, LIMITS);
  assert.deepEqual(symbols(r), []);
  assert.equal(r.artifacts[0]?.declaredType, 'text/plain');
  assert.equal(r.artifacts[0]?.sha256, sha256('no headers here'));
});

test('a header block over 128 KiB stops parsing with MIME_HEADER_TOO_LARGE', async () => {
  const raw = Buffer.from(`Subject: x\r\n${'X-Filler: 1\r\n'.repeat(3000)}\r\nbody\r\n`);
  const r = await analyzeMessage(raw, LIMITS);
  assert.deepEqual(symbols(r), ['MIME_HEADER_TOO_LARGE']);
});

test('1001 parts: stops at maxMimeParts with MIME_TOO_MANY_PARTS', async () => {
  const r = await analyze('too-many-parts.eml');
  assert.deepEqual(symbols(r), ['MIME_TOO_MANY_PARTS']);
  assert.equal(r.artifacts.length, 1000);
  const roomy = await analyze('too-many-parts.eml', { ...LIMITS, maxMimeParts: 1001 });
  assert.deepEqual(symbols(roomy), []);
  assert.equal(roomy.artifacts.length, 1001);
});

test('40-deep nesting: MIME_TOO_DEEP at depth 30, full path when allowed', async () => {
  const r = await analyze('too-deep.eml');
  assert.deepEqual(symbols(r), ['MIME_TOO_DEEP']);
  assert.equal(r.artifacts.length, 0);
  const roomy = await analyze('too-deep.eml', { ...LIMITS, maxMimeDepth: 40 });
  assert.deepEqual(symbols(roomy), []);
  assert.deepEqual(paths(roomy), [Array.from({ length: 40 }, () => '1').join('.')]);
});

test('depth limit also counts message/rfc822 nesting', async () => {
  const r = await analyze('nested-rfc822.eml', { ...LIMITS, maxMimeDepth: 1 });
  assert.ok(symbols(r).includes('MIME_TOO_DEEP'));
});

test('tar under a .txt name is detected by content', async () => {
  const r = await analyze('tar-as-txt.eml');
  assert.equal(r.artifacts[1]?.detectedExtension, 'tar');
  // The tar is opened too: its member is a shell script (issue 3, recursive unpacking).
  assert.equal(r.artifacts[2]?.path, '2/1');
  assert.equal(r.artifacts[2]?.declaredName, 'install_helo/run.sh');
  assert.deepEqual(symbols(r), ['FILETYPE_EXTENSION_MISMATCH', 'FILETYPE_SCRIPT']);
});

test('a message over maxMessageBytes is refused with ANALYSIS_TOO_LARGE', async () => {
  const raw = fixture('plain-text.eml');
  const r = await analyzeMessage(raw, { ...LIMITS, maxMessageBytes: raw.length - 1 });
  assert.deepEqual(symbols(r), ['ANALYSIS_TOO_LARGE']);
  assert.deepEqual(r.artifacts, []);
  const exact = await analyzeMessage(raw, { ...LIMITS, maxMessageBytes: raw.length });
  assert.deepEqual(symbols(exact), []);
});

test('repeated MIME problems are one finding listing the parts', async () => {
  const body = ['a', 'b', 'c'].map((n) => `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n*${n}*\r\n`).join('');
  const raw = Buffer.from(`Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${body}--b--\r\n`);
  const r = await analyzeMessage(raw, LIMITS);
  assert.deepEqual(symbols(r), ['MIME_BAD_BASE64']);
  assert.match(r.findings[0]?.detail ?? '', /3 times, parts 1, 2, 3/);
});

test('every fixture and seeded mutations of it analyse without a crash', async () => {
  // Seeded LCG: reproducible "random" damage (byte flips, truncation) to every fixture.
  let seed = 0x2023_2868;
  const next = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed;
  };
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.eml'));
  assert.ok(names.length >= 14);
  for (const name of names) {
    const original = fixture(name);
    for (let round = 0; round < 20; round++) {
      const raw = Buffer.from(original.subarray(0, round % 5 === 4 ? next() % original.length : original.length));
      for (let flips = 0; flips < 8 && raw.length > 0; flips++) raw[next() % raw.length] = next() & 0xff;
      const r = await analyzeMessage(raw, LIMITS);
      assert.ok(!symbols(r).includes('ANALYSIS_CRASH'), `${name} round ${round}: ${JSON.stringify(r.findings)}`);
      for (const f of r.findings) assert.doesNotMatch(f.detail, /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/u);
    }
  }
});

test('lureFingerprint: the same lure to two people fingerprints alike from text and HTML bodies; a short note has none', async () => {
  const lureMail = (name: string, ticket: string): Buffer =>
    Buffer.from(
      [
        'From: "IT Service Desk" <helpdesk@it-support.example>',
        `To: ${name.toLowerCase()}@moat.example`,
        `Subject: Mailbox quota exceeded (ticket ${ticket})`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Dear ${name},`,
        `your mailbox has exceeded its storage quota and incoming messages are held. Ticket ${ticket} was opened for you.`,
        `Validate your account at https://quota-${ticket}.it-support.example/login within 24 hours to release them.`,
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        `<html><body><p>Dear ${name},</p><p>your mailbox has exceeded its storage quota and incoming messages are held.`,
        ` Ticket ${ticket} was opened for you.</p><p>Validate your account <a href="https://quota-${ticket}.it-support.example/login">here</a>`,
        ' within 24 hours to release them.</p></body></html>',
        '--b1--',
        '',
      ].join('\r\n'),
    );
  const a = await analyzeMessage(lureMail('Alice', '77812'), LIMITS);
  const b = await analyzeMessage(lureMail('Bartholomew', '90210'), LIMITS);
  assert.match(a.lureFingerprint ?? '', /^[0-9a-f]{16}$/u);
  assert.equal(a.lureFingerprint, b.lureFingerprint);
  const other = await analyzeMessage(Buffer.from(lureMail('Alice', '77812').toString('utf8').replace(/exceeded its storage quota and incoming messages are held/gu, 'been selected for the annual staff survey about the canteen menu')), LIMITS);
  assert.notEqual(other.lureFingerprint, a.lureFingerprint);
  const note = await analyzeMessage(Buffer.from('From: a@b.example\r\nSubject: fyi\r\n\r\nHi Bob,\r\nsee attached, thanks\r\n'), LIMITS);
  assert.equal(note.lureFingerprint, undefined);
});
