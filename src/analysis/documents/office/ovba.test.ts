import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compressOvba } from './fixtures.js';
import { decompressOvba, parseVbaDir } from './ovba.js';

describe('MS-OVBA decompression', () => {
  it('decodes the example container of MS-OVBA 3.2.3 (copy tokens included)', () => {
    const compressed = Buffer.from(
      '012fb000236161616263646582660070616768696a013808616b6c00306d6e6f700671027004107273747576107778797a003c',
      'hex',
    );
    const out = decompressOvba(compressed, 1 << 20);
    assert.equal(out.malformed, false);
    assert.equal(out.data.toString('latin1'), '#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa');
  });

  it('round-trips what a compressor writes, across chunk boundaries (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.integer({ min: 1, max: 40 }), (bytes, period) => {
        // Half random, half periodic so that both literals and long copies occur.
        const data = Buffer.concat([Buffer.from(bytes), Buffer.from(Array.from({ length: bytes.length }, (_, i) => i % period))]);
        const out = decompressOvba(compressOvba(data), 1 << 20);
        return !out.malformed && !out.truncated && out.data.equals(data);
      }),
      { numRuns: 40 },
    );
  });

  it('stops at the limit and says so (a small container expanding ~1000:1)', () => {
    const data = Buffer.alloc(200_000, 0x41);
    const compressed = compressOvba(data);
    assert.ok(compressed.length < 2000);
    const out = decompressOvba(compressed, 10_000);
    assert.equal(out.truncated, true);
    assert.equal(out.data.length, 10_000);
  });

  it('never throws and never exceeds the limit on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 5000 }), (bytes, limit) => {
        const input = Buffer.concat([Buffer.from([1]), Buffer.from(bytes)]);
        return decompressOvba(input, limit).data.length <= limit;
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a copy token that reaches before the chunk start', () => {
    // Flag byte 0x01: first token is a copy at decompressed position 0.
    const out = decompressOvba(Buffer.from([0x01, 0x02, 0xb0, 0x01, 0x00, 0x00]), 100);
    assert.equal(out.malformed, true);
  });
});

describe('VBA dir stream', () => {
  it('reports a walk that runs past the end as malformed', () => {
    const bad = Buffer.from([0x19, 0x00, 0xff, 0xff, 0x00, 0x00, 0x41]);
    assert.equal(parseVbaDir(bad).malformed, true);
  });
});
