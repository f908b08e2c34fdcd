import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { createPdfDissector } from './index.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 1 << 20, maxEntries: 50, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 1 << 20 };

/** Assembles a PDF from object bodies (`n 0 obj ... endobj`), with an xref table and trailer. */
function buildPdf(bodies: readonly (string | Buffer)[], trailerExtra = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]?.length ?? 0;
  bodies.forEach((body, index) => {
    offsets.push(length);
    const chunk = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(chunk);
    length += chunk.length;
  });
  const xref = ['xref', `0 ${bodies.length + 1}`, '0000000000 65535 f ', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `)].join('\n');
  parts.push(Buffer.from(`${xref}\ntrailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

function stream(dict: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
}

const PAGE_TREE = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>'];
const PLAIN = buildPdf([...PAGE_TREE, stream('', Buffer.from('BT /F1 12 Tf 72 712 Td (Hello, world) Tj ET'))]);

async function dissect(content: Uint8Array, budget: ExpansionBudget = createExpansionBudget(LIMITS)): Promise<DissectResult> {
  return createPdfDissector().dissect({ path: '2', content }, { budget, passwords: [] });
}

const symbols = (result: DissectResult): string[] => result.findings.map((f) => f.symbol).sort();

describe('pdf dissector', () => {
  it('accepts by header within the first KiB only', () => {
    const dissector = createPdfDissector();
    assert.equal(dissector.accepts({ path: '1', content: PLAIN }), true);
    assert.equal(dissector.accepts({ path: '1', content: Buffer.concat([Buffer.alloc(500, 0x20), PLAIN]) }), true);
    assert.equal(dissector.accepts({ path: '1', content: Buffer.concat([Buffer.alloc(2000, 0x20), PLAIN]) }), false);
    assert.equal(dissector.accepts({ path: '1', content: Buffer.from('%PD') }), false);
  });

  it('reports nothing for a plain one-page PDF', async () => {
    const result = await dissect(PLAIN);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.members, []);
  });

  it('flags JavaScript run by /OpenAction', async () => {
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', '<< /S /JavaScript /JS (app.alert\\("hello"\\);) >>']);
    const result = await dissect(pdf);
    assert.deepEqual(symbols(result), ['PDF_AUTO_SCRIPT', 'PDF_JAVASCRIPT', 'PDF_OPENACTION']);
    assert.ok(result.findings.every((f) => f.artifact === '2' && f.engine === 'pdf'));
  });

  it('decodes #xx escapes in names and reports the obfuscation', async () => {
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R /#4Fpen#41ction << /S /J#61vaScript /J#53 (1) >> >>', '<< /Type /Pages /Kids [] /Count 0 >>']);
    const result = await dissect(pdf);
    assert.deepEqual(symbols(result), ['PDF_AUTO_SCRIPT', 'PDF_JAVASCRIPT', 'PDF_NAME_OBFUSCATION', 'PDF_OPENACTION']);
    const detail = result.findings.find((f) => f.symbol === 'PDF_NAME_OBFUSCATION')?.detail ?? '';
    assert.match(detail, /\/JavaScript/);
  });

  it('does not call an escaped space obfuscation', async () => {
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R /Font#20Name 1 >>', '<< /Type /Pages /Kids [] /Count 0 >>']);
    assert.deepEqual(symbols(await dissect(pdf)), []);
  });

  it('finds JavaScript and /Launch hidden in a FlateDecode object stream', async () => {
    const inner = '5 0 6 40 << /S /JavaScript /JS (this.exportDataObject\\(\\)) >> << /S /Launch /Win << /F (cmd.exe) /P (/c echo hello) >> >>';
    const first = inner.indexOf('<<');
    const objstm = stream(`/Type /ObjStm /N 2 /First ${first} /Filter /FlateDecode`, deflateSync(Buffer.from(inner, 'latin1')));
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', objstm]);
    const result = await dissect(pdf);
    assert.deepEqual(symbols(result), ['PDF_AUTO_SCRIPT', 'PDF_JAVASCRIPT', 'PDF_LAUNCH', 'PDF_OPENACTION']);
    assert.match(result.findings.find((f) => f.symbol === 'PDF_LAUNCH')?.detail ?? '', /cmd\.exe \/c echo hello/);
  });

  it('yields an embedded file with its UTF-16 name, decoded through a filter chain', async () => {
    const payload = Buffer.from('echo hello\r\n'.repeat(20));
    const encoded = Buffer.from(deflateSync(payload).toString('hex') + '>', 'latin1');
    const utf16Name = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('run.cmd', 'utf16le').swap16()]).toString('latin1');
    const hexName = Buffer.from(utf16Name, 'latin1').toString('hex');
    const pdf = buildPdf([
      '<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(run) 3 0 R] >> >> >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      `<< /Type /Filespec /F (run.cmd) /UF <${hexName}> /EF << /F 4 0 R >> >>`,
      stream(`/Type /EmbeddedFile /Params << /Size ${payload.length} >> /Filter [/ASCIIHexDecode /FlateDecode]`, encoded),
    ]);
    const budget = createExpansionBudget(LIMITS);
    const result = await dissect(pdf, budget);
    assert.deepEqual(symbols(result), ['PDF_EMBEDDED_FILE']);
    assert.equal(result.members.length, 1);
    const member = result.members[0];
    assert.equal(member?.name, 'run.cmd');
    assert.equal(member?.declaredSize, payload.length);
    assert.deepEqual(Buffer.from(member?.content ?? new Uint8Array()), payload);
    assert.equal(budget.usedEntries, 1);
    assert.ok(budget.usedBytes >= payload.length);
  });

  it('stops a FlateDecode bomb at the budget', async () => {
    const bomb = deflateSync(Buffer.alloc(8 << 20));
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', stream('/Type /EmbeddedFile /Filter /FlateDecode', bomb)]);
    const budget = createExpansionBudget(LIMITS);
    await assert.rejects(dissect(pdf, budget), BudgetExceededError);
    assert.ok(budget.usedBytes <= LIMITS.maxTotalBytes);
  });

  it('reports encryption and does not decode encrypted streams', async () => {
    const pdf = buildPdf([...PAGE_TREE, stream('/Filter /FlateDecode', Buffer.from('not really flate'))], '/Encrypt 9 0 R /ID [<00><00>] ');
    assert.deepEqual(symbols(await dissect(pdf)), ['PDF_ENCRYPTED']);
  });

  it('counts URIs without listing them', async () => {
    const pdf = buildPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>', '<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.org/a) >> >>']);
    const result = await dissect(pdf);
    assert.deepEqual(symbols(result), ['PDF_URI']);
    assert.match(result.findings[0]?.detail ?? '', /1 URI/);
  });

  it('reports truncated and garbled structure as PDF_MALFORMED, never throws', async () => {
    const truncated = PLAIN.subarray(0, Math.floor(PLAIN.length / 2));
    assert.deepEqual(symbols(await dissect(truncated)), ['PDF_MALFORMED']);
    const nested = Buffer.from(`%PDF-1.4\n1 0 obj ${'<< /A ['.repeat(5000)} endobj`, 'latin1');
    assert.deepEqual(symbols(await dissect(nested)), ['PDF_MALFORMED']);
  });

  it('never throws (except for the budget), stays within it, and finishes quickly on random and mutated input', async () => {
    const seeds = [PLAIN, buildPdf(['<< /OpenAction << /S /JavaScript /JS (x) >> >>', stream('/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', deflateSync(Buffer.from('9 0 << /JS 1 >>')))])];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.concat([Buffer.from('%PDF-1.5\n'), bytes])),
          fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 })).map(([seed, edits]) => {
            const copy = Buffer.from(seed);
            for (const [at, value] of edits) copy[at % copy.length] = value;
            return copy;
          }),
        ),
        async (content) => {
          const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 64 << 10, maxMemberBytes: 32 << 10 });
          const started = performance.now();
          try {
            await dissect(content, budget);
          } catch (err) {
            assert.ok(err instanceof BudgetExceededError, String(err));
          }
          assert.ok(budget.usedBytes <= 64 << 10);
          assert.ok(performance.now() - started < 1000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
