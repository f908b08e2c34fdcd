import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { findHeaderEnd, readHeaderBlock } from './header-block.js';

test('findHeaderEnd finds CRLF, LF and leading empty lines', () => {
  assert.equal(findHeaderEnd(Buffer.from('A: 1\r\n\r\nbody')), 8);
  assert.equal(findHeaderEnd(Buffer.from('A: 1\n\nbody')), 6);
  assert.equal(findHeaderEnd(Buffer.from('\r\nbody')), 2);
  assert.equal(findHeaderEnd(Buffer.from('A: 1\r\n continued\r\n')), -1);
});

test('readHeaderBlock stops at the empty line and respects the limit', async () => {
  const head = await readHeaderBlock(Readable.from([Buffer.from('A: 1\r'), Buffer.from('\n\r'), Buffer.from('\nbody')]));
  assert.equal(head.toString(), 'A: 1\r\n\r\n');
  const limited = await readHeaderBlock(Readable.from([Buffer.from('A: '.padEnd(100, 'x'))]), 10);
  assert.equal(limited.length, 10);
  const all = await readHeaderBlock(Readable.from([Buffer.from('A: 1\r\n')]));
  assert.equal(all.toString(), 'A: 1\r\n');
});
