import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeNumberFormat, classifyBracket, tokenizeNumberFormat } from './number-format.js';

// Legitimate formats: Excel's built-ins (ECMA-376 18.8.30), the currency/accounting/date/time/locale
// formats Excel and LibreOffice write for common locales, conditional and coloured formats.
const LEGITIMATE = [
  'General', '0', '0.00', '#,##0', '#,##0.00', '0%', '0.00%', '0.00E+00', '# ?/?', '# ??/??',
  'mm-dd-yy', 'd-mmm-yy', 'd-mmm', 'mmm-yy', 'h:mm AM/PM', 'h:mm:ss AM/PM', 'h:mm', 'h:mm:ss', 'm/d/yy h:mm',
  '#,##0 ;(#,##0)', '#,##0 ;[Red](#,##0)', '#,##0.00;(#,##0.00)', '#,##0.00;[Red](#,##0.00)', 'mm:ss', '[h]:mm:ss', 'mmss.0', '##0.0E+0', '@',
  '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
  '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)',
  '_-* #,##0.00\\ "€"_-;\\-* #,##0.00\\ "€"_-;_-* "-"??\\ "€"_-;_-@_-',
  '"$"#,##0_);[Red]\\("$"#,##0\\)', '"$"#,##0.00_);\\("$"#,##0.00\\)',
  '[$$-409]#,##0.00', '[$€-407] #,##0.00', '#,##0.00 [$€-40C]', '[$£-809]#,##0.00', '[$¥-411]#,##0', '[$CHF-100C] #,##0.00',
  '[$R$-416] #,##0.00', '[$S/.-280A] #,##0.00', '[$лв.-402] #,##0.00', '[$ر.س.\u200f-401] #,##0.00', '[$kr.-406] #,##0.00', '[$₹-4009] #,##0.00', '[$-409]mmmm d, yyyy;@', '[$-F800]dddd, mmmm dd, yyyy',
  '[$-F400]h:mm:ss AM/PM', '[$-x-sysdate]dddd, mmmm dd, yyyy', '[$-x-systime]h:mm:ss AM/PM', '[$-zh-CN]yyyy"年"m"月"d"日"',
  '[DBNum1][$-804]yyyy"年"m"月"d"日"', '[DBNum2][$-411]General', '[NatNum1]General', '[~buddhist]d/m/yyyy',
  'yyyy-mm-dd', 'yyyy-mm-dd hh:mm:ss', 'dd/mm/yyyy', 'dddd, mmmm d, yyyy', 'mmm d, yyyy', 'hh:mm:ss.000', '[mm]:ss', '[ss].00',
  '[Red]0.00', '[Blue]#,##0;[Red]-#,##0', '[Color10]0.00', '[Green]General;[Magenta]General;[Cyan]General;[Yellow]@',
  '[>=100]"big";[<0]"negative";0', '[<=9999999]###-####;(###) ###-####', '[>999999]0.0,,"M";[>999]0.0,"K";0',
  '[=1]"one";[=2]"two";"many"', '[<>0]0.00;"zero"', '[> -1.5E+3]0', '[Red][<=100];[Blue][>100]', '0.0"°C"',
  '00000', '000-00-0000', '"Q"0', '#,##0.00 "USD"', '0.00\\ %', '# ???/???', '0.0%;[Red]-0.0%', 'ddd', 'yy', '[h]',
  '_-[$€-2]\\ * #,##0.00_-;\\-[$€-2]\\ * #,##0.00_-;_-[$€-2]\\ * "-"??_-;_-@_-', '* #,##0;* -#,##0',
];

// The published PoC shape and variants of it (CVE-2023-7101): code in or after a condition.
const INJECTIONS = [
  "[>123;system('whoami > /tmp/inject.txt')]123",
  '[>1;system("id")]0',
  '[<0;exec("id")]0',
  '[>=1 or system(1)]0',
  '[=1;qx{id}]0',
  '[>1;`id`]0',
  '[>0 and die]0',
  '[<>1||print(1)]0',
  '[>1]0;[<0;system(1)]0',
  '0;[Red][>1;system(1)]0',
  '"x"[>1;system(1)]0',
  '[>1;system(1)',
  '[ > 1;open(F,"|id")]0',
  '[>1e3;${\\system(1)}]0',
  '[>0x10]0',
  '[>1-system(1)]0',
  '[Red;system(1)]0',
  '[$-409;system(1)]0',
  '[$(id)]0',
  '[`id`]0',
  '[!1;system(1)]0',
  '"[>1;system(1)]"0',
];

describe('number formats', () => {
  it('accepts every legitimate format without a finding', () => {
    for (const code of LEGITIMATE) assert.deepEqual(analyzeNumberFormat(code), { verdict: 'ok', reasons: [] }, code);
  });

  it('flags the PoC and its variants as injection', () => {
    for (const code of INJECTIONS) assert.equal(analyzeNumberFormat(code).verdict, 'injection', code);
  });

  it('reports oddities as malformed, not injection', () => {
    assert.equal(analyzeNumberFormat('[foo]0').verdict, 'malformed');
    assert.equal(analyzeNumberFormat('"unterminated').verdict, 'malformed');
    assert.equal(analyzeNumberFormat('0;0;0;0;0').verdict, 'malformed');
    assert.equal(analyzeNumberFormat('0'.repeat(300)).verdict, 'malformed');
    assert.equal(analyzeNumberFormat('0\n0').verdict, 'malformed');
  });

  it('tokenizes quotes, escapes and brackets the way Excel reads them', () => {
    assert.deepEqual(tokenizeNumberFormat('"a;b"\\;[Red];_)0'), [
      { kind: 'quoted', text: 'a;b', terminated: true },
      { kind: 'literal', text: '\\;' },
      { kind: 'bracket', text: 'Red', terminated: true },
      { kind: 'section' },
      { kind: 'literal', text: '_)0' },
    ]);
    assert.deepEqual(tokenizeNumberFormat('[>1;x'), [{ kind: 'bracket', text: '>1;x', terminated: false }]);
  });

  it('accepts a condition only when it compares with a plain number', () => {
    assert.equal(classifyBracket('>=10.5'), 'ok');
    assert.equal(classifyBracket('>=10.5x'), 'injection');
    assert.equal(classifyBracket('=a'), 'injection');
  });

  it('flags any condition bracket that holds a letter other than an exponent (property)', () => {
    const letter = fc.constantFrom(...'abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ'.split(''));
    fc.assert(
      fc.property(fc.constantFrom('<', '>', '=', '<=', '>=', '<>'), fc.integer(), letter, fc.string({ maxLength: 20 }), (op, n, l, tail) => {
        const code = `[${op}${n}${l}${tail.replace(/]/g, '')}]0`;
        return analyzeNumberFormat(code).verdict === 'injection';
      }),
    );
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (code) => {
        const result = analyzeNumberFormat(code);
        return ['ok', 'malformed', 'injection'].includes(result.verdict) && result.reasons.length <= 4;
      }),
      { numRuns: 500 },
    );
  });
});
