import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { detectLibarchiveFormat, findSystemAreaContainer, readVolumeFacts } from './magic.js';

const at = (offset: number, text: string, size = offset + 2048): Uint8Array => {
  const buf = Buffer.alloc(size);
  buf.write(text, offset, 'latin1');
  return buf;
};

test('detects each long-tail format by its magic bytes', () => {
  assert.equal(detectLibarchiveFormat(Buffer.from('377abcaf271c0004', 'hex')), '7z');
  assert.equal(detectLibarchiveFormat(Buffer.from('526172211a070100', 'hex')), 'rar5');
  assert.equal(detectLibarchiveFormat(Buffer.from('526172211a0700cf', 'hex')), 'rar4');
  assert.equal(detectLibarchiveFormat(Buffer.from('4d53434600000000', 'hex')), 'cab');
  assert.equal(detectLibarchiveFormat(at(0x8000, '\x01CD001\x01')), 'iso9660');
  assert.equal(detectLibarchiveFormat(at(0x8000, '\x00BEA01\x01')), undefined, 'BEA01 alone is no file system');
});

test('finds ISO 9660 and UDF descriptors anywhere in the recognition sequence', () => {
  const bridge = Buffer.alloc(0x8000 + 5 * 2048);
  bridge.write('\x01CD001', 0x8000, 'latin1');
  bridge.write('\xffCD001', 0x8800, 'latin1');
  bridge.write('\x00BEA01', 0x9000, 'latin1');
  bridge.write('\x00NSR03', 0x9800, 'latin1');
  bridge.write('\x00TEA01', 0xa000, 'latin1');
  assert.deepEqual(readVolumeFacts(bridge), { iso9660: true, udf: true });
  const udfOnly = Buffer.alloc(0x8000 + 3 * 2048);
  udfOnly.write('\x00BEA01', 0x8000, 'latin1');
  udfOnly.write('\x00NSR02', 0x8800, 'latin1');
  assert.equal(detectLibarchiveFormat(udfOnly), 'udf');
  // A CD001 after an unknown descriptor is outside the sequence and does not count.
  const broken = Buffer.alloc(0x8000 + 3 * 2048);
  broken.write('\x00XXXXX', 0x8000, 'latin1');
  broken.write('\x01CD001', 0x8800, 'latin1');
  assert.equal(detectLibarchiveFormat(broken), undefined);
});

test('leaves zip, tar, gzip and short or empty input to others', () => {
  assert.equal(detectLibarchiveFormat(Buffer.from('504b030414000000', 'hex')), undefined);
  assert.equal(detectLibarchiveFormat(at(257, 'ustar\x0000', 1024)), undefined);
  assert.equal(detectLibarchiveFormat(gzipSync('hello')), undefined);
  assert.equal(detectLibarchiveFormat(new Uint8Array()), undefined);
  assert.equal(detectLibarchiveFormat(Buffer.from('377abc', 'hex')), undefined);
  assert.equal(detectLibarchiveFormat(Buffer.from('Rar!', 'latin1')), undefined);
});

test('names another container in an image system area', () => {
  assert.equal(findSystemAreaContainer(at(257, 'ustar')), 'tar');
  assert.equal(findSystemAreaContainer(at(0, 'PK\x03\x04')), 'zip');
  assert.equal(findSystemAreaContainer(at(0, 'MZ')), 'PE executable');
  assert.equal(findSystemAreaContainer(Buffer.alloc(4096)), undefined);
});
