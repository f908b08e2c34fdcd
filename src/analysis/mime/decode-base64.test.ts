import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBase64 } from './decode-base64.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('decodes folded base64 and calls it valid', () => {
  const out = decodeBase64(enc('SGVs\r\nbG8g\r\nd29y\r\nbGQ=\r\n'));
  assert.equal(out.content.toString(), 'Hello world');
  assert.equal(out.valid, true);
});

test('tolerates missing padding', () => {
  const out = decodeBase64(enc('SGVsbG8'));
  assert.equal(out.content.toString(), 'Hello');
  assert.equal(out.valid, true);
});

test('flags bytes outside the alphabet', () => {
  assert.equal(decodeBase64(enc('SGVs*bG8=')).valid, false);
  assert.equal(decodeBase64(enc('SGVs\u00e9bG8=')).valid, false);
});

test('flags data after padding and a truncated quantum', () => {
  assert.equal(decodeBase64(enc('SGU=bG8=')).valid, false);
  assert.equal(decodeBase64(enc('SGVsb')).valid, false);
  assert.equal(decodeBase64(enc('SG===')).valid, false);
});

test('empty input is valid and empty', () => {
  const out = decodeBase64(new Uint8Array(0));
  assert.equal(out.content.length, 0);
  assert.equal(out.valid, true);
});
