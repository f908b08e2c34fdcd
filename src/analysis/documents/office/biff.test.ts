import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseWorkbookStream } from './biff.js';
import { biffBof, biffEof, biffFormat, biffName, biffRecord, biffSheet } from './fixtures.js';

describe('BIFF8 workbook stream', () => {
  it('reads formats (8-bit and UTF-16), sheets with type and state, and Auto_Open names', () => {
    const stream = Buffer.concat([
      biffBof(),
      biffFormat(164, '#,##0.00 [$€-407]', true),
      biffFormat(165, "[>1;system('id')]0"),
      biffSheet('Sheet1', 'worksheet', 'visible'),
      biffSheet('Macro1', 'macro', 'very-hidden'),
      biffName(1),
      biffName('auto_open_x'),
      biffName('Total'),
      biffEof(),
    ]);
    const book = parseWorkbookStream(stream);
    assert.deepEqual(book.formats, ['#,##0.00 [$€-407]', "[>1;system('id')]0"]);
    assert.deepEqual(book.sheets, [
      { name: 'Sheet1', type: 'worksheet', state: 'visible' },
      { name: 'Macro1', type: 'macro', state: 'very-hidden' },
    ]);
    assert.deepEqual(book.autoExecNames, ['Auto_Open', 'auto_open_x']);
    assert.equal(book.encrypted, false);
    assert.equal(book.truncated, false);
  });

  it('joins a format string continued in a CONTINUE record', () => {
    const code = '[>1;system("echo hello")]0';
    const whole = biffFormat(170, code);
    // Split the characters: the FORMAT keeps the first 10, CONTINUE restarts with a flags byte.
    const head = whole.subarray(4, 4 + 5 + 10);
    const rest = Buffer.concat([Buffer.from([0]), Buffer.from(code.slice(10), 'latin1')]);
    const stream = Buffer.concat([biffBof(), biffRecord(0x041e, head), biffRecord(0x003c, rest), biffEof()]);
    assert.deepEqual(parseWorkbookStream(stream).formats, [code]);
  });

  it('stops at FILEPASS and at a record that runs past the end', () => {
    assert.equal(parseWorkbookStream(Buffer.concat([biffBof(), biffRecord(0x002f, Buffer.alloc(6)), biffFormat(164, '0')])).encrypted, true);
    const cut = Buffer.concat([biffBof(), biffFormat(164, '0.00')]).subarray(0, -2);
    const book = parseWorkbookStream(cut);
    assert.equal(book.truncated, true);
    assert.deepEqual(book.formats, []);
  });

  it('notices an Excel 4.0 macro substream by its BOF', () => {
    assert.equal(parseWorkbookStream(Buffer.concat([biffBof(), biffEof(), biffBof(0x0040), biffEof()])).macroSubstream, true);
  });

  it('never throws on arbitrary records (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(0x0809, 0x041e, 0x0085, 0x0018, 0x003c, 0x002f, 0x1234), fc.uint8Array({ maxLength: 40 }))), (records) => {
        const stream = Buffer.concat(records.map(([t, d]) => biffRecord(t, d)));
        return Array.isArray(parseWorkbookStream(stream).formats);
      }),
      { numRuns: 300 },
    );
  });
});
