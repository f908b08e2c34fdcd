import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCrc, computeTagChecksum, decodeDstring, decodeOstaName, readLongAd, readShortAd, readTag, readU64 } from './descriptors.js';

/** A descriptor with tag `id` at location `location` and `body` after the 16-byte tag, signed. */
function descriptor(id: number, location: number, body: readonly number[]): Uint8Array {
  const b = new Uint8Array(16 + body.length);
  const view = new DataView(b.buffer);
  view.setUint16(0, id, true);
  view.setUint16(2, 2, true);
  view.setUint16(10, body.length, true);
  view.setUint32(12, location, true);
  b.set(body, 16);
  view.setUint16(8, computeCrc(b, 16, body.length), true);
  b[4] = computeTagChecksum(b, 0);
  return b;
}

test('CRC is CRC-16/CCITT with initial value 0 (check value of "123456789" is 0x31C3)', () => {
  assert.equal(computeCrc(Buffer.from('123456789'), 0, 9), 0x31c3);
});

test('readTag verifies checksum, CRC, identifier and location', () => {
  const good = descriptor(257, 7, [1, 2, 3, 4]);
  assert.deepEqual(readTag(good, 0, 7), { ok: true, tag: { id: 257, crcLength: 4, location: 7 } });
  const moved = readTag(good, 0, 8);
  assert.equal(moved.ok, false);
  assert.match(moved.ok ? '' : moved.reason, /location/);

  const badSum = Uint8Array.from(good);
  badSum[4] = (badSum[4] ?? 0) ^ 1;
  assert.deepEqual(readTag(badSum, 0), { ok: false, reason: 'bad descriptor tag checksum' });

  const badBody = Uint8Array.from(good);
  badBody[17] = 9;
  assert.deepEqual(readTag(badBody, 0), { ok: false, reason: 'bad descriptor CRC' });

  // Zeros satisfy checksum and CRC; they are still not a descriptor.
  assert.equal(readTag(new Uint8Array(64), 0).ok, false);
  // A CRC length reaching past the buffer, and a tag cut short.
  assert.equal(readTag(good.subarray(0, 18), 0).ok, false);
  assert.equal(readTag(good, good.length - 8).ok, false);
});

test('OSTA compressed Unicode: 8 is Latin-1, 16 is UTF-16BE, anything else is refused', () => {
  assert.equal(decodeOstaName(Uint8Array.from([8, 0x52, 0xe9, 0x73])), 'Rés');
  assert.equal(decodeOstaName(Uint8Array.from([16, 0x30, 0xc7, 0x00, 0x41])), 'デA');
  assert.equal(decodeOstaName(Uint8Array.from([16, 0x30])), undefined);
  assert.equal(decodeOstaName(Uint8Array.from([254, 0x41])), undefined);
  assert.equal(decodeOstaName(new Uint8Array(0)), '');
  // dstring: the last byte is the used length.
  assert.equal(decodeDstring(Uint8Array.from([8, 0x41, 0x42, 0, 0, 3])), 'AB');
  assert.equal(decodeDstring(Uint8Array.from([8, 0x41, 9])), undefined);
});

test('allocation descriptors carry the extent type in the top two bits', () => {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  view.setUint32(0, (3 << 30) | 2048, true);
  view.setUint32(4, 99, true);
  view.setUint16(8, 1, true);
  assert.deepEqual(readShortAd(b, 0, 5), { type: 'continuation', length: 2048, block: 99, partition: 5 });
  assert.deepEqual(readLongAd(b, 0), { type: 'continuation', length: 2048, block: 99, partition: 1 });
  view.setUint32(0, (1 << 30) | 10, true);
  assert.equal(readShortAd(b, 0, 0).type, 'allocated');
});

test('64-bit lengths past 2^53 become Infinity so every bound refuses them', () => {
  const b = new Uint8Array(8).fill(0xff);
  assert.equal(readU64(b, 0), Number.POSITIVE_INFINITY);
  b.fill(0);
  b[4] = 1;
  assert.equal(readU64(b, 0), 0x100000000);
});
