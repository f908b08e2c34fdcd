import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contentIdFinding, examineContentId } from './content-id.js';

// A 96-character base64 blob (72 random-looking bytes), the SKIPJACK command shape.
const BLOB = Buffer.from(Array.from({ length: 72 }, (_, i) => (i * 37 + 11) & 0xff)).toString('base64');

test('a bare base64 blob is the SKIPJACK shape and scores at the quarantine threshold or above', () => {
  const finding = contentIdFinding(BLOB, '2');
  assert.equal(finding?.symbol, 'MIME_CONTENT_ID_BLOB');
  assert.equal(finding?.engine, 'c2');
  assert.equal(finding?.artifact, '2');
  assert.ok((finding?.score ?? 0) >= 15);
  assert.equal(finding?.severity, 'high');
});

test('a folded blob (CRLF and spaces inside, as SKIPJACK allows) is still a blob', () => {
  const folded = `${BLOB.slice(0, 40)}\r\n ${BLOB.slice(40)}`;
  assert.equal(examineContentId(folded).longestRun, BLOB.length);
  assert.ok((contentIdFinding(folded)?.score ?? 0) >= 15);
});

test('hex blobs count as blobs', () => {
  assert.equal(contentIdFinding('a1'.repeat(40))?.symbol, 'MIME_CONTENT_ID_BLOB');
});

test('ordinary Content-IDs are not flagged', () => {
  for (const id of [
    '<part1.5B2A3C4D.0E1F2A3B@example.com>',
    '<image001.png@01D9A1B2.C3D4E5F0>',
    '<ii_lk3b9x0q0>',
    '<4C3B2F9E-1D2E-4F5A-9B8C-7D6E5F4A3B2C@mail.example.org>',
    // A content-addressed id: long, but a well-formed <id@host>.
    `<${'ab'.repeat(40)}@cdn.example.net>`,
    'short-bare-id',
    '',
  ]) {
    assert.equal(contentIdFinding(id), undefined, id);
  }
});

test('half the shape (bracketed without @host, or blob@host without brackets) is a low oddity', () => {
  for (const id of [`<${BLOB}>`, `${BLOB}@example.com`]) {
    const finding = contentIdFinding(id);
    assert.equal(finding?.symbol, 'MIME_CONTENT_ID_BLOB', id);
    assert.ok(finding !== undefined && finding.score > 0 && finding.score < 15, id);
  }
});

test('the threshold is 64 base64 characters in a row', () => {
  assert.equal(contentIdFinding('A'.repeat(63)), undefined);
  assert.equal(contentIdFinding('A'.repeat(64))?.symbol, 'MIME_CONTENT_ID_BLOB');
  // Runs broken by other characters do not add up.
  assert.equal(contentIdFinding(`${'A'.repeat(40)}-${'A'.repeat(40)}`), undefined);
});

test('control characters in a value are escaped in the detail', () => {
  const finding = contentIdFinding(`\u202e\u0007${BLOB}`);
  assert.ok(finding?.detail.includes('\\u{202e}'));
  assert.ok(!finding?.detail.includes('\u202e'));
});

test('property: every bare run of 64+ base64 characters is flagged high, whatever the alphabet mix', () => {
  const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='.split(''));
  fc.assert(
    fc.property(fc.array(alphabet, { minLength: 64, maxLength: 400 }), (chars) => {
      const finding = contentIdFinding(chars.join(''));
      return finding !== undefined && finding.score >= 15;
    }),
  );
});

test('property: examineContentId is total and bounded on any string', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 2000 }), (value) => {
      const facts = examineContentId(value);
      return facts.longestRun >= 0 && facts.longestRun <= value.length;
    }),
  );
});
