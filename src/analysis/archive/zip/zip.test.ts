import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { acceptsZip } from './index.js';
import { runZip } from './test-support/run.js';
import { writeZip } from './test-support/zip-writer.js';

test('a normal zip: every layout an honest writer produces extracts, with no findings', async () => {
  const { bytes } = writeZip([
    { name: 'deflated.txt', data: 'hello '.repeat(1000) },
    { name: 'stored.bin', data: 'stored bytes', method: 0 },
    { name: 'signed-descriptor.txt', data: 'descriptor with signature', descriptor: 'signed' },
    { name: 'bare-descriptor.txt', data: 'descriptor without signature', descriptor: 'unsigned', method: 0 },
    { name: 'zip64.txt', data: 'zip64 sizes', zip64: true },
    { name: 'zip64-descriptor.txt', data: '64-bit descriptor', zip64: true, descriptor: 'signed' },
    { name: 'dir/', data: '', method: 0 },
    { name: 'empty.txt', data: '' },
  ]);
  const run = await runZip(bytes);
  assert.deepEqual(run.findings, []);
  assert.deepEqual([...run.texts], [
    ['deflated.txt', 'hello '.repeat(1000)],
    ['stored.bin', 'stored bytes'],
    ['signed-descriptor.txt', 'descriptor with signature'],
    ['bare-descriptor.txt', 'descriptor without signature'],
    ['zip64.txt', 'zip64 sizes'],
    ['zip64-descriptor.txt', '64-bit descriptor'],
    ['dir/', undefined],
    ['empty.txt', ''],
  ]);
  assert.equal(run.member('dir/')?.kind, 'directory');
  assert.equal(run.member('deflated.txt')?.declaredSize, 6000);
  assert.equal(run.budget.usedEntries, 8);
  assert.equal(run.budget.usedBytes, 6000 + 12 + 25 + 28 + 11 + 17);
});

test('names: UTF-8 by flag, CP437 otherwise, Unicode path field when its CRC matches', async () => {
  const { bytes } = writeZip([
    { name: 'résumé.pdf', data: 'a' },
    // "Ç╥.txt" in CP437
    { name: Uint8Array.from([0x80, 0xd2, 0x2e, 0x74, 0x78, 0x74]), data: 'b' },
    // Legacy code page bytes plus the real name in 0x7075: normal for old Windows zippers.
    { name: Uint8Array.from([0x8e, 0xa0, 0x2e, 0x64, 0x6f, 0x63]), data: 'c', unicodePath: { name: 'Жа.doc' } },
  ]);
  const run = await runZip(bytes);
  assert.deepEqual([...run.texts.keys()], ['résumé.pdf', 'Ç╥.txt', 'Жа.doc']);
  assert.deepEqual(run.findings, []);
});

test('a Unicode path field that renames an ASCII entry is reported and both names are analysed', async () => {
  const { bytes } = writeZip([{ name: 'invoice.pdf', data: 'MZ...', unicodePath: { name: 'invoice.exe' } }]);
  const run = await runZip(bytes);
  assert.deepEqual(run.symbols, ['ZIP_UNICODE_PATH_MISMATCH']);
  assert.deepEqual([...run.texts], [['invoice.exe', 'MZ...'], ['invoice.pdf', 'MZ...']]);
  assert.match(run.finding('ZIP_UNICODE_PATH_MISMATCH')?.detail ?? '', /"invoice\.pdf".*"invoice\.exe"/);
  assert.equal(run.finding('ZIP_UNICODE_PATH_MISMATCH')?.score, 15);

  const stale = await runZip(writeZip([{ name: 'a.txt', data: 'x', unicodePath: { name: 'a.js', staleCrc: true } }]).bytes);
  assert.deepEqual([...stale.texts.keys()], ['a.txt', 'a.js']);
  assert.match(stale.finding('ZIP_UNICODE_PATH_MISMATCH')?.detail ?? '', /stale CRC/);
});

test('symbolic links and devices are members of their kind, not files', async () => {
  const { bytes } = writeZip([
    { name: 'link', data: '../../etc/passwd', method: 0, unixMode: 0o120777 },
    { name: 'fifo', data: '', method: 0, unixMode: 0o010644 },
    { name: 'file.sh', data: 'echo hello', unixMode: 0o100755 },
  ]);
  const run = await runZip(bytes);
  assert.deepEqual(
    run.members.map((m) => [m.name, m.kind, m.linkTarget, m.content === undefined]),
    [
      ['link', 'symlink', '../../etc/passwd', true],
      ['fifo', 'fifo', undefined, true],
      ['file.sh', 'file', undefined, false],
    ],
  );
});

test('a nested zip is one member; its own records are not taken for confusion', async () => {
  const inner = writeZip([{ name: 'inner.txt', data: 'inside' }], { comment: 'inner' }).bytes;
  const run = await runZip(writeZip([{ name: 'inner.zip', data: inner, method: 0 }, { name: 'outer.txt', data: 'outside' }]).bytes);
  assert.deepEqual(run.findings, []);
  assert.deepEqual([...run.texts.keys()], ['inner.zip', 'outer.txt']);
  assert.deepEqual(Buffer.from(run.member('inner.zip')?.content ?? []), inner);
  const nested = await runZip(run.member('inner.zip')?.content ?? new Uint8Array());
  assert.equal(nested.texts.get('inner.txt'), 'inside');
});

test('accepts zips by content: magic, self-extractors, empty archives; never by name', () => {
  const zip = writeZip([{ name: 'a.txt', data: 'a' }]).bytes;
  const sfx = writeZip([{ name: 'a.txt', data: 'a' }], { prepend: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 0x90)]), relativeOffsets: true }).bytes;
  assert.equal(acceptsZip({ path: '1', content: zip }), true);
  assert.equal(acceptsZip({ path: '1', content: sfx }), true);
  assert.equal(acceptsZip({ path: '1', content: writeZip([]).bytes }), true);
  assert.equal(acceptsZip({ path: '1', content: Buffer.from('%PDF-1.7 not a zip at all'), rawName: 'x.zip' }), false);
  assert.equal(acceptsZip({ path: '1', content: new Uint8Array(0) }), false);
  assert.equal(acceptsZip({ path: '1', content: Buffer.from('PK\x05\x06 but nothing behind it') }), true);
});

test('a self-extractor: offsets relative to the zip are corrected, the stub is handed on', async () => {
  const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 0x90)]);
  const run = await runZip(writeZip([{ name: 'a.txt', data: 'payload' }], { prepend: stub, relativeOffsets: true }).bytes);
  assert.equal(run.texts.get('a.txt'), 'payload');
  assert.deepEqual(run.symbols, ['ZIP_PREPENDED_DATA']);
  assert.match(run.finding('ZIP_PREPENDED_DATA')?.detail ?? '', /4002 bytes before the archive \(a PE executable/);
  assert.deepEqual(Buffer.from(run.member('zip.prepended-data')?.content ?? []), stub);
});

test('an empty zip has no members and no findings', async () => {
  const run = await runZip(writeZip([]).bytes);
  assert.deepEqual([run.members, run.findings], [[], []]);
});

test('methods other than stored and deflate are listed, not extracted', async () => {
  const { bytes } = writeZip([{ name: 'a.bz2data', data: 'x', method: 0, local: { method: 12 }, central: { method: 12 } }]);
  const run = await runZip(bytes);
  assert.deepEqual(run.symbols, ['ZIP_UNSUPPORTED_METHOD']);
  assert.equal(run.member('a.bz2data')?.content, undefined);
  assert.equal(run.finding('ZIP_UNSUPPORTED_METHOD')?.score, 1);
});

test('bad CRC and undecodable data are findings; the member is still listed', async () => {
  const run = await runZip(writeZip([{ name: 'a.txt', data: 'abc', central: { crc32: 1 }, local: { crc32: 1 } }]).bytes);
  assert.deepEqual(run.symbols, ['ZIP_CRC_MISMATCH']);
  assert.equal(run.texts.get('a.txt'), 'abc');
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const corrupt = await runZip(writeZip([{ name: 'b.txt', data: 'abc', rawData: garbage }]).bytes);
  assert.deepEqual(corrupt.symbols, ['ZIP_CORRUPT_DATA']);
  assert.equal(corrupt.member('b.txt')?.content, undefined);
  // Sanity: the raw-data knob itself works.
  const raw = await runZip(writeZip([{ name: 'c.txt', data: 'abc', rawData: deflateRawSync('abc') }]).bytes);
  assert.equal(raw.texts.get('c.txt'), 'abc');
});
