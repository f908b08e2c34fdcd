/**
 * Excel number-format codes as data (CVE-2023-7101 / CVE-2023-7102).
 * Spreadsheet::ParseExcel passed a format's leading `[condition]` to a Perl
 * string eval, so `[>1;system('id')]0` ran code on the gateway that parsed
 * it. Here a small tokenizer reads the format the way Excel does (quoted
 * text, `\x` escapes, `_x`/`*x` spacing, `[...]` tokens, `;` between
 * sections) and every bracket must be either a comparison with a plain
 * number or a token Excel defines. Anything else in a condition bracket, or
 * code-like punctuation in any bracket, is an injection attempt. A second,
 * naive reading that ignores quoting catches formats built so that another
 * parser splits them differently.
 */

export type NumberFormatVerdict = 'ok' | 'malformed' | 'injection';

export interface NumberFormatAnalysis {
  readonly verdict: NumberFormatVerdict;
  /** Short reasons (fixed text, no format content), at most a few. */
  readonly reasons: readonly string[];
}

export type FormatToken =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'quoted'; readonly text: string; readonly terminated: boolean }
  | { readonly kind: 'bracket'; readonly text: string; readonly terminated: boolean }
  | { readonly kind: 'section' };

// Excel refuses format codes longer than 255 characters; longer ones come from a generator, not Excel.
const MAX_FORMAT_LENGTH = 255;
// Positive; negative; zero; text.
const MAX_SECTIONS = 4;
const COMPARATORS = new Set(['<', '>', '=', '!']);
// A condition is an operator and a plain decimal number, nothing else ([MS-XLSB] / ECMA-376 18.8.31).
const CONDITION = /^ *(?:<=|>=|<>|<|>|=) *[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)? *$/;
const COLOURS = new Set(['black', 'blue', 'cyan', 'green', 'magenta', 'red', 'white', 'yellow']);
// Elapsed time ([h], [mm], [ss]), colour index, East Asian numerals, calendar switches (LibreOffice exports these).
const NAMED_TOKENS: readonly RegExp[] = [/^(?:h+|m+|s+)$/i, /^color(?:[1-9]|[1-4]\d|5[0-6])$/i, /^dbnum[1-4]$/i, /^natnum\d{1,2}$/i, /^~[a-z]{1,16}$/i];
// [$<currency>-<locale>]: the currency is free text (S/., лв., RLM marks in Arabic locales) without
// code-like punctuation; the locale is a hex LCID or a BCP 47 tag.
const MAX_CURRENCY = 32;
const CODE_LIKE = /[()'"`;{}|&<>\\@%!=,#^*?[\]\x00-\x1f\x7f]/;
const LOCALE = /^[A-Za-z0-9-]{1,32}$/;
// Characters a word-like unknown token may hold; anything else in a bracket is code-like.
const WORDLIKE = /^[A-Za-z0-9 _.-]*$/;

/** Splits a format code into tokens the way Excel reads it. */
export function tokenizeNumberFormat(code: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal !== '') tokens.push({ kind: 'literal', text: literal });
    literal = '';
  };
  let i = 0;
  while (i < code.length) {
    const ch = code[i] ?? '';
    if (ch === '"') {
      flush();
      const end = code.indexOf('"', i + 1);
      tokens.push(end < 0 ? { kind: 'quoted', text: code.slice(i + 1), terminated: false } : { kind: 'quoted', text: code.slice(i + 1, end), terminated: true });
      i = end < 0 ? code.length : end + 1;
    } else if (ch === '[') {
      flush();
      const end = code.indexOf(']', i + 1);
      tokens.push(end < 0 ? { kind: 'bracket', text: code.slice(i + 1), terminated: false } : { kind: 'bracket', text: code.slice(i + 1, end), terminated: true });
      i = end < 0 ? code.length : end + 1;
    } else if (ch === ';') {
      flush();
      tokens.push({ kind: 'section' });
      i++;
    } else if (ch === '\\' || ch === '_' || ch === '*') {
      // The next character is taken literally (escape), as padding width (_) or as fill (*).
      literal += code.slice(i, i + 2);
      i += 2;
    } else {
      literal += ch;
      i++;
    }
  }
  flush();
  return tokens;
}

/** Classifies one bracket's content. */
export function classifyBracket(content: string): NumberFormatVerdict {
  const first = content.trimStart()[0];
  if (first !== undefined && COMPARATORS.has(first)) return CONDITION.test(content) ? 'ok' : 'injection';
  const lower = content.toLowerCase();
  if (COLOURS.has(lower) || NAMED_TOKENS.some((re) => re.test(content))) return 'ok';
  if (content.startsWith('$')) {
    const dash = content.indexOf('-');
    const currency = dash < 0 ? content.slice(1) : content.slice(1, dash);
    const locale = dash < 0 ? undefined : content.slice(dash + 1);
    if (currency.length <= MAX_CURRENCY && !CODE_LIKE.test(currency) && (locale === undefined || LOCALE.test(locale))) return 'ok';
  }
  return WORDLIKE.test(content) ? 'malformed' : 'injection';
}

/** Analyses one number-format code; `injection` is the CVE-2023-7101 class. */
export function analyzeNumberFormat(code: string): NumberFormatAnalysis {
  const reasons = new Set<string>();
  let verdict: NumberFormatVerdict = 'ok';
  const raise = (level: 'malformed' | 'injection', reason: string): void => {
    if (level === 'injection' || verdict === 'ok') verdict = level;
    reasons.add(reason);
  };
  if (code.length > MAX_FORMAT_LENGTH) raise('malformed', `longer than ${MAX_FORMAT_LENGTH} characters`);
  if (/[\x00-\x1f\x7f]/.test(code)) raise('malformed', 'control characters');
  let sections = 1;
  for (const token of tokenizeNumberFormat(code)) {
    if (token.kind === 'section') {
      sections++;
    } else if (token.kind === 'quoted' && !token.terminated) {
      raise('malformed', 'unterminated quoted text');
    } else if (token.kind === 'bracket') {
      const level = classifyBracket(token.text);
      if (level === 'injection') raise('injection', token.text.trimStart().match(/^[<>=!]/) ? 'condition is not a comparison with a number' : 'bracket holds code-like characters');
      else if (level === 'malformed') raise('malformed', 'unknown bracket token');
      if (!token.terminated) raise(level === 'ok' ? 'malformed' : level, 'unterminated bracket');
    }
  }
  if (sections > MAX_SECTIONS) raise('malformed', `more than ${MAX_SECTIONS} sections`);
  // Naive reading, as a parser that knows no quoting would see it: any `[` + comparator up to the next `]`.
  for (let at = code.indexOf('['); at >= 0; at = code.indexOf('[', at + 1)) {
    const end = code.indexOf(']', at + 1);
    const content = code.slice(at + 1, end < 0 ? code.length : end);
    const first = content.trimStart()[0];
    if (first !== undefined && COMPARATORS.has(first) && !CONDITION.test(content)) raise('injection', 'condition is not a comparison with a number');
  }
  return { verdict, reasons: [...reasons].slice(0, 4) };
}
