import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { createRtfDissector } from './index.js';
import { guidBytes } from './ole1.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 1 << 20, maxEntries: 50, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 1 << 20 };

const LETTER = String.raw`{\rtf1\ansi\deff0{\fonttbl{\f0 Times New Roman;}}{\*\generator Riched20 10.0;}\f0\fs24 Dear Ms Smith,\par Thank you for your letter of 3 May.\par {\b Kind regards}\par \'e9t\'e9\par}`;

/** An OLE1 EmbeddedObject ([MS-OLEDS] 2.2.4) around `native`. */
function ole1(className: string, native: Buffer): Buffer {
  const lp = (s: string): Buffer => {
    const body = Buffer.from(`${s}\0`, 'latin1');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    return Buffer.concat([len, body]);
  };
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x0501, 0);
  head.writeUInt32LE(2, 4);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(native.length);
  return Buffer.concat([head, lp(className), lp(''), lp(''), size, native]);
}

/** The smallest compound-file prefix whose root directory entry carries `clsid`. */
function fakeCompoundFile(clsid: string): Buffer {
  const file = Buffer.alloc(1024);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
  file.writeUInt16LE(9, 0x1e);
  file.writeUInt32LE(0, 0x30);
  Buffer.from('Root Entry', 'utf16le').copy(file, 512);
  guidBytes(clsid).copy(file, 512 + 0x50);
  return file;
}

function objectRtf(objclass: string, data: Buffer, hexFormatter: (hex: string) => string = (h) => h): string {
  return String.raw`{\rtf1\ansi{\object\objemb{\*\objclass ${objclass}}\objw100\objh100{\*\objdata ` + hexFormatter(data.toString('hex')) + '}}}';
}

async function dissect(rtf: string | Buffer, budget: ExpansionBudget = createExpansionBudget(LIMITS)): Promise<DissectResult> {
  const content = Buffer.isBuffer(rtf) ? rtf : Buffer.from(rtf, 'latin1');
  return createRtfDissector().dissect({ path: '3', content }, { budget, passwords: [] });
}

const symbols = (result: DissectResult): string[] => result.findings.map((f) => f.symbol).sort();

describe('rtf dissector', () => {
  it('accepts what Word opens ({\\rt at the start) and nothing else', () => {
    const d = createRtfDissector();
    assert.equal(d.accepts({ path: '1', content: Buffer.from(LETTER) }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('{\\rtvpn junk}') }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from(' {\\rtf1}') }), false);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('{\\r') }), false);
  });

  it('reports nothing for a plain letter', async () => {
    const result = await dissect(LETTER);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.members, []);
  });

  it('yields an Equation.3 object and reports the exploit class', async () => {
    const native = fakeCompoundFile('00020906-0000-0000-c000-000000000046');
    const result = await dissect(objectRtf('Equation.3', ole1('Equation.3', native)));
    assert.deepEqual(symbols(result), ['RTF_EXPLOIT_OBJECT_CLASS', 'RTF_OBJECT']);
    assert.match(result.findings.find((f) => f.symbol === 'RTF_EXPLOIT_OBJECT_CLASS')?.detail ?? '', /CVE-2017-11882/);
    assert.equal(result.members.length, 1);
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), native);
  });

  it('sees through a harmless class name when the OLE root CLSID is the Equation Editor', async () => {
    const native = fakeCompoundFile('0002ce02-0000-0000-c000-000000000046');
    const result = await dissect(objectRtf('Word.Document.8', ole1('Word.Document.8', native)));
    assert.deepEqual(symbols(result), ['RTF_EXPLOIT_OBJECT_CLASS', 'RTF_OBJECT']);
  });

  it('decodes \\objdata hidden with whitespace, junk groups and escapes, and calls it obfuscation', async () => {
    const native = Buffer.concat([fakeCompoundFile('00020906-0000-0000-c000-000000000046'), Buffer.from('Equation Native', 'utf16le')]);
    const data = ole1('Word.Document.8', native);
    const hide = (hex: string): string => {
      const half = hex.length / 2;
      return `${hex.slice(0, 10)}\r\n  ${hex.slice(10, half)}{\\*\\pxe junk}${hex.slice(half, half + 2)}\\'${hex.charCodeAt(half + 2).toString(16)}${hex.slice(half + 3)}`;
    };
    const result = await dissect(objectRtf('Word.Document.8', data, hide));
    assert.deepEqual(symbols(result), ['RTF_EXPLOIT_OBJECT_CLASS', 'RTF_OBFUSCATION', 'RTF_OBJECT']);
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), native);
  });

  it('unwraps a Package object into the packaged file with its own name', async () => {
    const file = Buffer.from('echo hello\r\n');
    const u32 = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const temp = Buffer.from('C:\\Temp\\invoice.pdf.cmd\0', 'latin1');
    const native = Buffer.concat([Buffer.from([2, 0]), Buffer.from('invoice.pdf.cmd\0C:\\x\\invoice.pdf.cmd\0', 'latin1'), u32(0x30000), u32(temp.length), temp, u32(file.length), file]);
    const result = await dissect(objectRtf('Package', ole1('Package', native)));
    assert.deepEqual(symbols(result), ['RTF_OBJECT', 'RTF_PACKAGE_OBJECT']);
    assert.equal(result.members[0]?.name, 'invoice.pdf.cmd');
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), file);
  });

  it('reports DDE fields, remote templates, \\objupdate and a spoofed header', async () => {
    const rtf = String.raw`{\rtvpn1{\*\template http://198.51.100.7/t.dotm}{\field{\*\fldinst {DDEAUTO c:\\windows\\system32\\cmd.exe "/k echo hello"}}{\fldrslt x}}{\object\objautlink\objupdate{\*\objclass Word.Document.8}}}`;
    const result = await dissect(rtf);
    assert.deepEqual(symbols(result), ['RTF_DDE', 'RTF_OBFUSCATION', 'RTF_OBJECT', 'RTF_OBJECT_AUTOUPDATE', 'RTF_REMOTE_TEMPLATE']);
    assert.match(result.findings.find((f) => f.symbol === 'RTF_DDE')?.detail ?? '', /DDEAUTO/);
  });

  it('keeps ordinary fields quiet', async () => {
    const rtf = String.raw`{\rtf1{\field{\*\fldinst { HYPERLINK "https://example.org/" }}{\fldrslt example}}{\*\template Normal.dotm}}`;
    assert.deepEqual((await dissect(rtf)).findings, []);
  });

  it('charges members to the budget', async () => {
    const data = ole1('Word.Document.8', Buffer.alloc(4096, 1));
    const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 1000 });
    await assert.rejects(dissect(objectRtf('Word.Document.8', data), budget), BudgetExceededError);
  });

  it('never throws (except for the budget) and finishes quickly on random and mutated input', async () => {
    const seeds = [LETTER, objectRtf('Equation.3', ole1('Equation.3', Buffer.alloc(600, 7))), String.raw`{\rtf1{\*\objdata 0102\bin4 abcd 03}}`];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.concat([Buffer.from('{\\rtf1'), bytes])),
          fc.string({ maxLength: 2000, unit: fc.constantFrom('{', '}', '\\', '*', "'", 'a', 'f', '0', ' ', 'objdata', 'bin', 'object', '9') }).map((s) => Buffer.from(`{\\rtf1${s}`, 'latin1')),
          fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 })).map(([seed, edits]) => {
            const copy = Buffer.from(seed, 'latin1');
            for (const [at, value] of edits) copy[at % copy.length] = value;
            return copy;
          }),
        ),
        async (content) => {
          const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 16 << 10 });
          const started = performance.now();
          try {
            await dissect(content, budget);
          } catch (err) {
            assert.ok(err instanceof BudgetExceededError, String(err));
          }
          assert.ok(budget.usedBytes <= 16 << 10);
          assert.ok(performance.now() - started < 1000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
