import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Finding } from '../../../core/index.js';
import { BudgetExceededError } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { biffBof, biffEof, biffFormat, biffName, biffSheet, buildOle, buildVbaProject, createContext } from './fixtures.js';
import { createOleDissector } from './index.js';

const dissector = createOleDissector();
const dissect = (content: Uint8Array, limits = {}): Promise<DissectResult> => dissector.dissect({ path: '2', content }, createContext(limits));
const symbols = (findings: readonly Finding[]): string[] => findings.map((f) => f.symbol).sort();

const MACRO_SOURCE = [
  'Attribute VB_Name = "ThisDocument"',
  'Sub AutoOpen()',
  '  Set s = CreateObject("WScript.Shell")',
  '  s.Run "cmd /c echo hello"',
  'End Sub',
  '',
].join('\r\n');

function ole10Native(label: string, path: string, data: Uint8Array): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const temp = Buffer.from(`C:\\Users\\x\\AppData\\Local\\Temp\\${label}\0`, 'latin1');
  const body = Buffer.concat([Buffer.from([2, 0]), Buffer.from(`${label}\0${path}\0`, 'latin1'), Buffer.from([0, 0, 3, 0]), u32(temp.length), temp, u32(data.length), data]);
  return Buffer.concat([u32(body.length), body]);
}

function workbook(...records: Buffer[]): Buffer {
  return Buffer.concat([biffBof(), ...records, biffEof()]);
}

describe('OLE dissector', () => {
  it('accepts by content only', () => {
    const ole = buildOle({ WordDocument: Buffer.alloc(100) });
    assert.equal(dissector.accepts({ path: '1', content: ole, rawName: 'notes.txt' }), true);
    assert.equal(dissector.accepts({ path: '1', content: Buffer.from('PK\x03\x04'), rawName: 'x.doc' }), false);
  });

  it('finds a VBA project with an auto-exec macro and suspicious calls, and yields its source', async () => {
    const ole = buildOle({ WordDocument: Buffer.alloc(64), ...buildVbaProject('Macros/VBA', [{ name: 'ThisDocument', source: MACRO_SOURCE }]) });
    const { findings, members } = await dissect(ole);
    assert.deepEqual(symbols(findings), ['OFFICE_VBA_AUTOEXEC', 'OFFICE_VBA_MACRO', 'OFFICE_VBA_SUSPICIOUS']);
    const suspicious = findings.find((f) => f.symbol === 'OFFICE_VBA_SUSPICIOUS');
    for (const keyword of ['CreateObject', 'WScript.Shell', 'cmd /c']) assert.ok(suspicious?.detail.includes(keyword), keyword);
    assert.match(findings.find((f) => f.symbol === 'OFFICE_VBA_AUTOEXEC')?.detail ?? '', /AutoOpen/);
    assert.equal(members.length, 1);
    assert.equal(members[0]?.name, 'Macros/VBA/ThisDocument.vba');
    assert.equal(Buffer.from(members[0]?.content ?? []).toString('latin1'), MACRO_SOURCE);
    assert.ok(findings.every((f) => f.artifact === '2' && f.engine === 'ole'));
  });

  it('reports a harmless macro project as a macro only', async () => {
    const ole = buildOle({ ...buildVbaProject('VBA', [{ name: 'Module1', source: 'Attribute VB_Name = "Module1"\r\nFunction Twice(x)\r\n  Twice = x * 2\r\nEnd Function\r\n' }]) });
    assert.deepEqual(symbols((await dissect(ole)).findings), ['OFFICE_VBA_MACRO']);
  });

  it('detects VBA stomping and still reads literals left in the p-code', async () => {
    const pcode = Buffer.concat([Buffer.alloc(20), Buffer.from('powershell -EncodedCommand ZQBjAGgAbwAgAGgAaQA=', 'latin1')]);
    const ole = buildOle(buildVbaProject('_VBA_PROJECT_CUR/VBA', [{ name: 'Module1', source: '', pcode, stomp: true }]));
    const found = symbols((await dissect(ole)).findings);
    assert.ok(found.includes('OFFICE_VBA_STOMPED'), found.join());
    assert.ok(found.includes('OFFICE_VBA_SUSPICIOUS'), found.join());
  });

  it('flags the CVE-2023-7101 number format in an XLS workbook, escaped', async () => {
    const ole = buildOle({ Workbook: workbook(biffFormat(164, "[>123;system('whoami > /tmp/inject.txt')]123"), biffSheet('Sheet1', 'worksheet', 'visible')) });
    const { findings } = await dissect(ole);
    const hit = findings.find((f) => f.symbol === 'OFFICE_NUMFMT_INJECTION');
    assert.ok(hit);
    assert.ok(hit.score >= 40);
    assert.equal(hit.severity, 'critical');
    assert.match(hit.detail, /system\('whoami > \/tmp\/inject\.txt'\)/);
  });

  it('raises nothing for an ordinary workbook with many formats', async () => {
    const formats = ['#,##0.00;[Red]-#,##0.00', '[$€-407] #,##0.00', 'dd/mm/yyyy', '[h]:mm:ss', '[>=1000]#,##0,"K";0', '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)', '[$-F800]dddd, mmmm dd, yyyy'];
    const ole = buildOle({
      Workbook: workbook(...formats.map((f, i) => biffFormat(164 + i, f)), biffSheet('Data', 'worksheet', 'visible'), biffSheet('Lookup', 'worksheet', 'hidden')),
      '\u0005SummaryInformation': Buffer.alloc(200),
    });
    const { findings, members } = await dissect(ole);
    assert.deepEqual(findings, []);
    assert.deepEqual(members, []);
  });

  it('flags a very hidden Excel 4.0 macro sheet run by Auto_Open', async () => {
    const ole = buildOle({ Workbook: workbook(biffSheet('Sheet1', 'worksheet', 'visible'), biffSheet('x', 'macro', 'very-hidden'), biffName(1)) });
    assert.deepEqual(symbols((await dissect(ole)).findings), ['OFFICE_XLM_AUTOEXEC', 'OFFICE_XLM_HIDDEN', 'OFFICE_XLM_MACRO']);
  });

  it('yields a packaged executable under its original name', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300, 0x90)]);
    const ole = buildOle({ WordDocument: Buffer.alloc(64), 'ObjectPool/_1234/\u0001Ole10Native': ole10Native('invoice.pdf.exe', 'C:\\Users\\x\\invoice.pdf.exe', exe) });
    const { findings, members } = await dissect(ole);
    assert.deepEqual(symbols(findings), ['OFFICE_OLE_PACKAGE']);
    assert.equal(members.length, 1);
    assert.equal(members[0]?.name, 'invoice.pdf.exe');
    assert.ok(Buffer.from(members[0]?.content ?? []).equals(exe));
  });

  it('reports an ordinary packaged file as embedded, with little weight', async () => {
    const ole = buildOle({ 'ObjectPool/_1/\u0001Ole10Native': ole10Native('notes.txt', 'C:\\notes.txt', Buffer.from('hello')) });
    const { findings, members } = await dissect(ole);
    assert.deepEqual(symbols(findings), ['OFFICE_OLE_EMBEDDED']);
    assert.equal(members[0]?.name, 'notes.txt');
  });

  it('flags an Equation Editor object by class id', async () => {
    const ole = buildOle({ 'ObjectPool/_1/\u0001CompObj': Buffer.alloc(40) }, { 'ObjectPool/_1': '02CE020000000000C000000000000046' });
    assert.deepEqual(symbols((await dissect(ole)).findings), ['OFFICE_EQUATION_OBJECT']);
  });

  it('reports encrypted OOXML packages', async () => {
    const ole = buildOle({ EncryptionInfo: Buffer.alloc(200), EncryptedPackage: Buffer.alloc(5000) });
    assert.deepEqual(symbols((await dissect(ole)).findings), ['OFFICE_ENCRYPTED']);
  });

  it('yields Outlook message attachments under their file names', async () => {
    const base = '__attach_version1.0_#00000000';
    const ole = buildOle({
      [`${base}/__substg1.0_37010102`]: Buffer.from('MZ payload'),
      [`${base}/__substg1.0_3707001F`]: Buffer.from('report.scr\0', 'utf16le'),
    });
    const { members } = await dissect(ole);
    assert.deepEqual(members.map((m) => m.name), ['report.scr']);
  });

  it('turns damage into a finding, not a throw', async () => {
    const ole = buildOle({ Workbook: workbook(biffFormat(164, '0.00')) });
    const cut = ole.subarray(0, 1024);
    const { findings } = await dissect(cut);
    assert.ok(symbols(findings).includes('OFFICE_OLE_MALFORMED'));
  });

  it('charges decompressed VBA to the budget and stops a bomb', async () => {
    const source = `Attribute VB_Name = "M"\r\n${"' padding\r\n".repeat(50_000)}`;
    const ole = buildOle(buildVbaProject('VBA', [{ name: 'M', source }]));
    assert.ok(ole.length < 100_000);
    await assert.rejects(dissect(ole, { maxTotalBytes: 100_000 }), BudgetExceededError);
    await assert.rejects(dissect(ole, { maxMemberBytes: 100_000 }), BudgetExceededError);
  });

  it('never throws on mutated documents except to stop at the budget (property)', async () => {
    const base = buildOle({
      WordDocument: Buffer.alloc(600, 1),
      Workbook: workbook(biffFormat(164, '0.00'), biffSheet('M', 'macro', 'hidden')),
      'ObjectPool/_1/\u0001Ole10Native': ole10Native('a.exe', 'C:\\a.exe', Buffer.from('MZ')),
      ...buildVbaProject('Macros/VBA', [{ name: 'ThisDocument', source: MACRO_SOURCE }]),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }), fc.nat(base.length), async (edits, cut) => {
        const file = Buffer.from(base.subarray(0, Math.max(cut, 8)));
        for (const [at, value] of edits) if (at < file.length) file[at] = value;
        try {
          const result = await dissect(file, { maxTotalBytes: 1_000_000 });
          return Array.isArray(result.findings);
        } catch (err) {
          return err instanceof BudgetExceededError;
        }
      }),
      { numRuns: 300 },
    );
  });
});
