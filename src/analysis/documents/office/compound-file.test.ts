import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import cfb from 'cfb';
import fc from 'fast-check';
import { readCompoundFile } from './compound-file.js';
import { buildMergingChainsOle, buildOle } from './fixtures.js';

const SSZ = 512;
const sectorOffset = (n: number): number => (n + 1) * SSZ;

describe('compound file reader', () => {
  it('reads what the cfb package writes: mini and regular streams, nested storages', () => {
    const big = Buffer.alloc(10_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const file = buildOle({ 'WordDocument': Buffer.from('small stream'), 'ObjectPool/_1/\u0001Ole10Native': big, 'Macros/VBA/dir': Buffer.from([1, 2, 3]) });
    const { entries, problems } = readCompoundFile(file);
    assert.deepEqual(problems, []);
    const stream = (p: string): Buffer | undefined => entries.find((e) => e.path === p)?.content;
    assert.equal(stream('WordDocument')?.toString(), 'small stream');
    assert.ok(stream('ObjectPool/_1/\u0001Ole10Native')?.equals(big));
    assert.deepEqual([...(stream('Macros/VBA/dir') ?? [])], [1, 2, 3]);
    assert.equal(entries.find((e) => e.path === 'ObjectPool/_1')?.type, 'storage');
    // Same streams as the cfb package's own parser sees.
    const theirs = cfb.parse(file);
    const theirStreams = theirs.FileIndex.filter((e) => e.type === 2).length;
    assert.equal(entries.filter((e) => e.type === 'stream').length, theirStreams);
  });

  it('reports a FAT cycle as parser confusion and terminates', () => {
    const file = Buffer.from(buildOle({ 'Data': Buffer.alloc(9000, 0x41) }));
    const fatSector = file.readUInt32LE(0x4c);
    const fat = sectorOffset(fatSector);
    // Point the big stream's second sector back at its first.
    const start = findStreamStart(file, 'Data');
    file.writeUInt32LE(start, fat + (start + 1) * 4);
    const { problems } = readCompoundFile(file);
    assert.ok(problems.some((p) => p.kind === 'confusion'), JSON.stringify(problems));
  });

  it('reports two streams sharing sectors as parser confusion', () => {
    const file = Buffer.from(buildOle({ 'A': Buffer.alloc(5000, 0x41), 'B': Buffer.alloc(5000, 0x42) }));
    const a = findStreamStart(file, 'A');
    setStreamStart(file, 'B', a);
    const { problems, entries } = readCompoundFile(file);
    assert.ok(problems.some((p) => p.kind === 'confusion'));
    // The second reader of the shared chain gets nothing rather than a copy.
    const total = entries.reduce((n, e) => n + (e.content?.length ?? 0), 0);
    assert.ok(total <= file.length);
  });

  it('stays linear on streams whose chains merge into one long tail (the cfb package is quadratic here)', () => {
    const file = buildMergingChainsOle(4000, 64);
    const entries = 64 * 4;
    const started = performance.now();
    const result = readCompoundFile(file);
    assert.ok(performance.now() - started < 2000);
    assert.equal(result.entries.length, entries);
    assert.ok(result.problems.some((p) => p.kind === 'confusion'));
    assert.ok(result.entries.reduce((n, e) => n + (e.content?.length ?? 0), 0) <= file.length);
  });

  it('never throws on random or mutated input (property)', () => {
    const base = buildOle({ 'Workbook': Buffer.alloc(6000, 1), 'Macros/VBA/dir': Buffer.alloc(100, 2), '\u0001CompObj': Buffer.alloc(40, 3) });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }), fc.nat(base.length), (edits, cut) => {
        const file = Buffer.from(base.subarray(0, Math.max(cut, 512)));
        for (const [at, value] of edits) if (at < file.length) file[at] = value;
        const result = readCompoundFile(file);
        return result.entries.reduce((n, e) => n + (e.content?.length ?? 0), 0) <= file.length;
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => Array.isArray(readCompoundFile(bytes).problems)), { numRuns: 200 });
  });
});

/** Directory entry offset of `name` (first directory sector chain only; fixtures are small). */
function findEntry(file: Buffer, name: string): number {
  const dirStart = file.readUInt32LE(0x30);
  const fat = sectorOffset(file.readUInt32LE(0x4c));
  for (let s = dirStart; s !== 0xfffffffe; s = file.readUInt32LE(fat + s * 4)) {
    for (let off = sectorOffset(s); off < sectorOffset(s) + SSZ; off += 128) {
      const len = file.readUInt16LE(off + 0x40);
      if (file.toString('utf16le', off, off + Math.max(0, len - 2)) === name) return off;
    }
  }
  throw new Error(`no entry ${name}`);
}

function findStreamStart(file: Buffer, name: string): number {
  return file.readUInt32LE(findEntry(file, name) + 0x74);
}

function setStreamStart(file: Buffer, name: string, start: number): void {
  file.writeUInt32LE(start, findEntry(file, name) + 0x74);
}
