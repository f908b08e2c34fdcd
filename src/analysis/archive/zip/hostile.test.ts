import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { deflateRawSync } from 'node:zlib';
import { BudgetExceededError } from '../../dissect/budget.js';
import { runZip } from './test-support/run.js';
import { endRecord, writeZip } from './test-support/zip-writer.js';

const MiB = 1024 * 1024;

test('overlapping-files bomb: many central entries over one deflate stream are listed, the data analysed once', async () => {
  // Text-like data (seeded LCG letters) so the kernel itself passes the ratio check: the overlap is the bomb.
  const kernel = Buffer.alloc(MiB);
  let seed = 42;
  for (let i = 0; i < kernel.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    kernel[i] = 0x61 + ((seed >>> 16) % 26);
  }
  const one = writeZip([{ name: 'kernel.txt', data: kernel }]);
  const central = one.centrals[0] ?? Buffer.alloc(0);
  // 1,000 directory records, all pointing at the local header at offset 0: 1 GiB "extracted" from under 1 MiB.
  const records: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = Buffer.from(`k${String(i).padStart(9, '0')}`);
    const record = Buffer.from(central);
    name.copy(record, 46);
    records.push(record);
  }
  const cd = Buffer.concat(records);
  const local = one.bytes.subarray(0, one.cdOffset);
  const bomb = Buffer.concat([local, cd, endRecord({ count: records.length, cdSize: cd.length, cdOffset: local.length })]);
  const run = await runZip(bomb, { limits: { maxTotalBytes: 64 * MiB } });
  // Each record's name differs from the one local header's, hence the mismatch; the local name is analysed too.
  assert.deepEqual(run.symbols, ['ZIP_HEADER_MISMATCH', 'ZIP_OVERLAPPING_ENTRIES']);
  assert.equal(run.members.length, 1001);
  assert.deepEqual(run.members.filter((m) => m.content !== undefined).map((m) => m.name), ['k000000000', 'kernel.txt']);
  assert.ok(run.budget.usedBytes <= 64 * MiB);
  assert.match(run.finding('ZIP_OVERLAPPING_ENTRIES')?.detail ?? '', /share the data at offset 0.*and 991 more/);
});

test('partly overlapping entries (each starts inside the previous one) are reported; extraction stays in budget', async () => {
  // Entry 2's local header sits inside entry 1's stored data: entry 1's data "quotes" entry 2.
  const inner = writeZip([{ name: 'b.txt', data: 'B'.repeat(1000), method: 0 }]);
  const innerLocal = inner.bytes.subarray(0, inner.cdOffset);
  const outer = writeZip([{ name: 'a.txt', data: innerLocal, method: 0 }]);
  const outerLocal = outer.bytes.subarray(0, outer.cdOffset);
  const bOffset = 30 + 'a.txt'.length;
  const bRecord = Buffer.from(inner.centrals[0] ?? []);
  bRecord.writeUInt32LE(bOffset, 42);
  const cd = Buffer.concat([outer.centrals[0] ?? Buffer.alloc(0), bRecord]);
  const zip = Buffer.concat([outerLocal, cd, endRecord({ count: 2, cdSize: cd.length, cdOffset: outerLocal.length })]);
  const run = await runZip(zip);
  assert.deepEqual(run.symbols, ['ZIP_OVERLAPPING_ENTRIES']);
  assert.match(run.finding('ZIP_OVERLAPPING_ENTRIES')?.detail ?? '', /"b\.txt" starts at 35, inside the data of "a\.txt"/);
  assert.equal(run.texts.get('b.txt'), 'B'.repeat(1000));
  assert.equal(run.finding('ZIP_OVERLAPPING_ENTRIES')?.score, 20);
});

test('classic high-ratio member: stopped by the ratio limit whether its size is declared or hidden', async () => {
  const big = Buffer.alloc(64 * MiB);
  const honest = writeZip([{ name: 'zeros.bin', data: big }]).bytes;
  await assert.rejects(runZip(honest, { limits: { maxRatio: 100 } }), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'ratio');
  // The directory claims 10 bytes: inflation still stops at the ratio cap, not at 64 MiB.
  const lying = writeZip([{ name: 'zeros.bin', data: big, central: { uncompressedSize: 10 }, local: { uncompressedSize: 10 } }]).bytes;
  await assert.rejects(runZip(lying, { limits: { maxRatio: 100 } }), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'ratio');
  // And the total budget: two honest 3 MiB members under a 4 MiB total.
  const two = writeZip([{ name: 'a', data: Buffer.alloc(3 * MiB, 1) }, { name: 'b', data: Buffer.alloc(3 * MiB, 2) }]).bytes;
  await assert.rejects(runZip(two, { limits: { maxTotalBytes: 4 * MiB, maxRatio: 100_000 } }), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'bytes');
  const member = writeZip([{ name: 'a', data: Buffer.alloc(3 * MiB, 1), central: { uncompressedSize: 1 } }]).bytes;
  await assert.rejects(runZip(member, { limits: { maxMemberBytes: 2 * MiB, maxRatio: 100_000 } }), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'member-bytes');
});

test('local header against central directory: name, method, sizes; both readings are analysed', async () => {
  const run = await runZip(writeZip([{ name: 'report.pdf', data: 'MZ payload', local: { name: 'report.exe' } }]).bytes);
  assert.deepEqual(run.symbols, ['ZIP_HEADER_MISMATCH']);
  assert.deepEqual([...run.texts], [['report.pdf', 'MZ payload'], ['report.exe', 'MZ payload']]);
  assert.equal(run.finding('ZIP_HEADER_MISMATCH')?.score, 15);

  // The local header says stored over fewer bytes: a streaming reader extracts a different file.
  const data = 'PLAIN TEXT '.repeat(20);
  const stored = await runZip(writeZip([{ name: 'a.txt', data, method: 0, central: { compressedSize: 11, uncompressedSize: 11 } }]).bytes);
  assert.ok(stored.symbols.includes('ZIP_HEADER_MISMATCH'));
  assert.match(stored.finding('ZIP_HEADER_MISMATCH')?.detail ?? '', /compressed size 220 vs 11/);
  assert.deepEqual(stored.members.map((m) => m.content?.length), [11, 220]);
});

test('two central directories (a zip appended to a zip): confusion, and the union is extracted', async () => {
  const first = writeZip([{ name: 'benign.txt', data: 'hello' }]).bytes;
  const second = writeZip([{ name: 'evil.js', data: 'WScript.Echo(1)' }], { prepend: first }).bytes;
  const run = await runZip(second);
  assert.ok(run.symbols.includes('PARSER_CONFUSION'), run.symbols.join());
  assert.deepEqual([...run.texts].sort(), [['benign.txt', 'hello'], ['evil.js', 'WScript.Echo(1)']]);
  assert.match(run.finding('PARSER_CONFUSION')?.detail ?? '', /2 central directories/);
});

test('data appended after the archive: an oddity, or confusion when it holds another archive', async () => {
  const zip = writeZip([{ name: 'a.txt', data: 'a' }], { append: Buffer.alloc(100, 0x41) }).bytes;
  const run = await runZip(zip);
  assert.deepEqual(run.symbols, ['ZIP_APPENDED_DATA']);
  assert.equal(run.member('zip.appended-data')?.content?.length, 100);

  const rar = Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), Buffer.alloc(64, 7)]);
  const polyglot = await runZip(writeZip([{ name: 'a.txt', data: 'a' }], { append: rar }).bytes);
  assert.deepEqual(polyglot.symbols, ['PARSER_CONFUSION']);
  assert.match(polyglot.finding('PARSER_CONFUSION')?.detail ?? '', /after the archive hold a rar archive/);
  assert.deepEqual(Buffer.from(polyglot.member('zip.appended-data')?.content ?? []), rar);
});

test('entries only a local-header scan finds (hidden from the directory) are extracted and reported', async () => {
  const written = writeZip([{ name: 'shown.txt', data: 'visible' }, { name: 'hidden.exe', data: 'MZ hidden' }]);
  const cd = written.centrals[0] ?? Buffer.alloc(0);
  const locals = written.bytes.subarray(0, written.cdOffset);
  const zip = Buffer.concat([locals, cd, endRecord({ count: 1, cdSize: cd.length, cdOffset: locals.length })]);
  const run = await runZip(zip);
  assert.deepEqual(run.symbols, ['PARSER_CONFUSION']);
  assert.match(run.finding('PARSER_CONFUSION')?.detail ?? '', /local header for "hidden\.exe" .* no central directory lists/);
  assert.equal(run.texts.get('hidden.exe'), 'MZ hidden');
});

test('end record count that disagrees with the directory is confusion', async () => {
  const run = await runZip(writeZip([{ name: 'a', data: 'a' }, { name: 'b', data: 'b' }], { declaredCount: 1 }).bytes);
  assert.deepEqual(run.symbols, ['PARSER_CONFUSION']);
  assert.match(run.finding('PARSER_CONFUSION')?.detail ?? '', /declares 1 entries.* holds 2/);
  assert.equal(run.members.length, 2);
});

test('a fake end record hidden in the comment is a second reading', async () => {
  const real = writeZip([{ name: 'real.txt', data: 'real' }]);
  const fakeCd = writeZip([{ name: 'fake.txt', data: 'fake' }], { prepend: real.bytes.subarray(0, real.cdOffset) });
  // Comment = the fake directory's end record, pointing at a directory that lists a different entry.
  const fakeCentral = fakeCd.centrals[0] ?? Buffer.alloc(0);
  const zip = Buffer.concat([
    fakeCd.bytes.subarray(0, fakeCd.cdOffset),
    real.centrals[0] ?? Buffer.alloc(0),
    fakeCentral,
  ]);
  const realCdOffset = fakeCd.cdOffset;
  const fakeCdOffset = realCdOffset + (real.centrals[0]?.length ?? 0);
  const fakeEnd = endRecord({ count: 1, cdSize: fakeCentral.length, cdOffset: fakeCdOffset });
  const full = Buffer.concat([zip, endRecord({ count: 1, cdSize: real.centrals[0]?.length ?? 0, cdOffset: realCdOffset, comment: fakeEnd })]);
  const run = await runZip(full);
  assert.ok(run.symbols.includes('PARSER_CONFUSION'), run.symbols.join());
  assert.deepEqual([...run.texts.keys()].sort(), ['fake.txt', 'real.txt']);
});

test('a comment holding an executable is a payload, handed on as a member', async () => {
  const pe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)]);
  const run = await runZip(writeZip([{ name: 'a.txt', data: 'a' }], { comment: pe }).bytes);
  assert.deepEqual(run.symbols, ['ZIP_COMMENT_PAYLOAD']);
  assert.deepEqual(Buffer.from(run.member('zip.comment')?.content ?? []), pe);
  const plain = await runZip(writeZip([{ name: 'a.txt', data: 'a' }], { comment: 'Created by a normal tool' }).bytes);
  assert.deepEqual(plain.findings, []);
});

test('truncated archive: reported, and what the local headers still hold is recovered', async () => {
  const zip = writeZip([{ name: 'first.txt', data: 'first entry' }, { name: 'second.txt', data: 'x'.repeat(5000) }]);
  const cut = zip.bytes.subarray(0, (zip.localOffsets[1] ?? 0) + 40);
  const run = await runZip(cut);
  assert.deepEqual(run.symbols, ['ZIP_TRUNCATED']);
  assert.equal(run.texts.get('first.txt'), 'first entry');
  assert.ok(run.member('second.txt') !== undefined);
  assert.equal(run.finding('ZIP_TRUNCATED')?.score, 5);
});

test('zip64 end record that disagrees with the end record: two readings', async () => {
  const a = writeZip([{ name: 'a.txt', data: 'a' }]);
  const b = writeZip([{ name: 'b.txt', data: 'b' }], { prepend: a.bytes.subarray(0, a.cdOffset) });
  // Layout: local a, local b, CD(a), CD(b), zip64 end -> CD(b), locator, end -> CD(a) (no sentinels).
  const localEnd = b.cdOffset;
  const cdA = a.centrals[0] ?? Buffer.alloc(0);
  const cdB = b.centrals[1] ?? Buffer.alloc(0);
  const head = Buffer.concat([b.bytes.subarray(0, localEnd), cdA, cdB]);
  const eocd64 = Buffer.alloc(56);
  eocd64.writeUInt32LE(0x06064b50, 0);
  eocd64.writeBigUInt64LE(44n, 4);
  eocd64.writeBigUInt64LE(1n, 24);
  eocd64.writeBigUInt64LE(1n, 32);
  eocd64.writeBigUInt64LE(BigInt(cdB.length), 40);
  eocd64.writeBigUInt64LE(BigInt(localEnd + cdA.length), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(head.length), 8);
  const zip = Buffer.concat([head, eocd64, locator, endRecord({ count: 1, cdSize: cdA.length, cdOffset: localEnd })]);
  const run = await runZip(zip);
  assert.ok(run.symbols.includes('PARSER_CONFUSION'), run.symbols.join());
  assert.deepEqual([...run.texts.keys()].sort(), ['a.txt', 'b.txt']);
});

test('details escape member names', async () => {
  const run = await runZip(writeZip([{ name: 'x\n\u202eexe.pdf', data: 'a', local: { name: 'y' } }]).bytes);
  const detail = run.finding('ZIP_HEADER_MISMATCH')?.detail ?? '';
  assert.match(detail, /x\\x0a\\u\{202e\}exe\.pdf/);
  assert.doesNotMatch(detail, /[\n\u202e]/);
});

test('a deflate stream that is truncated yields its readable part', async () => {
  const data = Buffer.from('abcdefghij'.repeat(10_000));
  const stream = deflateRawSync(data);
  const zip = writeZip([{ name: 'a.txt', data, rawData: stream }]);
  const cut = zip.bytes.subarray(0, (zip.localOffsets[0] ?? 0) + 30 + 5 + Math.floor(stream.length / 2));
  const run = await runZip(cut);
  assert.ok(run.symbols.includes('ZIP_TRUNCATED'));
  const partial = run.member('a.txt')?.content;
  assert.ok(partial !== undefined && partial.length > 0 && partial.length < data.length);
  assert.deepEqual(Buffer.from(partial), data.subarray(0, partial.length));
});

test('more members than the entry limit stops at the limit', async () => {
  const many = writeZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: '', method: 0 as const }))).bytes;
  await assert.rejects(runZip(many, { limits: { maxEntries: 20 } }), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'entries');
  const run = await runZip(many, { limits: { maxEntries: 50 } });
  assert.equal(run.members.length, 50);
});
