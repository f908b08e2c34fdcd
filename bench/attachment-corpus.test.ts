import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { analyzeMessage } from '../src/analysis/index.js';
import type { AnalysisLimits } from '../src/analysis/index.js';
import { ATTACHMENT_KINDS, EICAR, attachmentsOnly, buildPdf, buildTar, buildZip, generateAttachmentCorpus, mixCorpora } from './attachment-corpus.js';
import type { CorpusSample } from './corpus.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
/** Small sizes keep the test fast; the structure is the same as at 10 KB–2 MB. */
const SMALL = { minBytes: 500, maxBytes: 20_000 } as const;

function attachmentOf(wire: Buffer): Buffer {
  const body = wire.toString('latin1');
  const start = body.lastIndexOf('base64\r\n\r\n') + 10;
  return Buffer.from(body.slice(start, body.indexOf('\r\n--', start)).replace(/\r\n/g, ''), 'base64');
}

describe('generateAttachmentCorpus', () => {
  it('gives the same bytes for the same seed, and other bytes for another seed', () => {
    const a = generateAttachmentCorpus({ size: 60, seed: 7, ...SMALL });
    const b = generateAttachmentCorpus({ size: 60, seed: 7, ...SMALL });
    assert.equal(a.sha256, b.sha256);
    assert.deepEqual(
      a.messages.map((m) => m.kind),
      b.messages.map((m) => m.kind),
    );
    assert.notEqual(generateAttachmentCorpus({ size: 60, seed: 8, ...SMALL }).sha256, a.sha256);
  });

  it('covers every kind, and one message in 50 carries EICAR', () => {
    const corpus = generateAttachmentCorpus({ size: 300, seed: 4, ...SMALL });
    assert.deepEqual(new Set(corpus.messages.map((m) => m.kind)), new Set(ATTACHMENT_KINDS));
    assert.equal(corpus.eicar, 6);
    assert.equal(corpus.messages.filter((m) => m.kind === 'eicar-nested').length, 6);
  });

  it('keeps sizes within the bounds at the default 10 KB–2 MB', () => {
    const corpus = generateAttachmentCorpus({ size: 40, seed: 4 });
    for (const m of corpus.messages.filter((m) => m.kind === 'text' || m.kind === 'binary')) {
      assert.ok(m.attachmentBytes >= 10_000 && m.attachmentBytes <= 2_000_000, `${m.id}: ${m.attachmentBytes}`);
    }
  });

  it('builds wire-ready messages: CRLF only, ASCII, headers then a base64 attachment of the stated size', () => {
    for (const m of generateAttachmentCorpus({ size: 30, seed: 4, ...SMALL }).messages) {
      const text = m.wire.toString('latin1');
      assert.ok(!/[^\r]\n/.test(text), `${m.id}: bare LF`);
      assert.ok(m.wire.every((byte) => byte < 0x80));
      assert.ok(text.endsWith('\r\n'));
      assert.equal(attachmentOf(m.wire).length, m.attachmentBytes, m.id);
    }
  });

  it('builds archives and documents that the gateway takes apart, EICAR found two levels down', async () => {
    const corpus = generateAttachmentCorpus({ size: 300, seed: 4, ...SMALL });
    const eicarSha = createHash('sha256').update(EICAR, 'latin1').digest('hex');
    for (const kind of ATTACHMENT_KINDS) {
      const message = corpus.messages.find((m) => m.kind === kind);
      assert.ok(message, kind);
      const result = await analyzeMessage(message.wire, LIMITS);
      const codes = result.findings.map((f) => f.symbol);
      assert.ok(!codes.some((c) => /CORRUPT|MALFORMED|TRUNCATED|BOMB/.test(c)), `${kind}: ${codes.join(' ')}`);
      const memberCount = result.artifacts.filter((a) => a.path.includes('/')).length;
      if (['zip', 'tar', 'tar.gz', 'zip-in-zip', 'docx', 'xlsx', 'eicar-nested'].includes(kind)) assert.ok(memberCount > 0, `${kind}: no members`);
      if (kind === 'eicar-nested') {
        const eicar = result.artifacts.find((a) => a.sha256 === eicarSha);
        assert.ok(eicar, 'EICAR member found');
        assert.ok(eicar.path.split('/').length >= 3, eicar.path);
      }
    }
  });
});

describe('archive writers', () => {
  it('zip: local header, end record and entry count', () => {
    const zip = buildZip([
      { name: 'a.txt', data: Buffer.from('hello'), deflate: true },
      { name: 'b.bin', data: Buffer.alloc(10), deflate: false },
    ]);
    assert.equal(zip.readUInt32LE(0), 0x04034b50);
    const end = zip.subarray(zip.length - 22);
    assert.equal(end.readUInt32LE(0), 0x06054b50);
    assert.equal(end.readUInt16LE(10), 2);
  });

  it('tar: ustar header with a valid checksum, 512-byte blocks', () => {
    const tar = buildTar([{ name: 'x.txt', data: Buffer.from('abc') }]);
    assert.equal(tar.length % 512, 0);
    assert.equal(tar.toString('latin1', 257, 262), 'ustar');
    const header = Buffer.from(tar.subarray(0, 512));
    const stated = parseInt(header.toString('latin1', 148, 154), 8);
    header.write('        ', 148, 'latin1');
    assert.equal(header.reduce((sum, byte) => sum + byte, 0), stated);
    assert.equal(tar.toString('latin1', 512, 515), 'abc');
  });

  it('pdf: xref offsets point at the objects', () => {
    const pdf = buildPdf(['one line', 'two (lines)']).toString('latin1');
    assert.ok(pdf.startsWith('%PDF-1.4'));
    const xref = Number(/startxref\n(\d+)/.exec(pdf)?.[1]);
    assert.ok(pdf.startsWith('xref', xref));
    const offsets = [...pdf.slice(xref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    offsets.forEach((offset, i) => assert.ok(pdf.startsWith(`${i + 1} 0 obj`, offset), `object ${i + 1}`));
  });
});

describe('mixCorpora', () => {
  it('interleaves SpamAssassin and generated mail one by one and counts both', () => {
    const generated = generateAttachmentCorpus({ size: 3, seed: 4, ...SMALL });
    const spamassassin: CorpusSample = {
      messages: [1, 2, 3].map((n) => ({ id: `ham/${n}`, spam: n === 2, wire: Buffer.from(`m${n}\r\n`), eightBit: false })),
      ham: 2,
      spam: 1,
      bytes: 12,
      skipped: 0,
      sha256: 'x',
    };
    const mixed = mixCorpora(spamassassin, generated);
    assert.deepEqual(
      mixed.messages.map((m) => m.id.split('/')[0]),
      ['ham', 'attachments', 'ham', 'attachments', 'ham', 'attachments'],
    );
    assert.equal(mixed.attachments, 3);
    assert.equal(mixed.ham + mixed.spam, 6);
    assert.equal(mixed.bytes, 12 + generated.bytes);
    assert.equal(attachmentsOnly(generated).messages.length, 3);
  });
});
