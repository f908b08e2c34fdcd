/**
 * Finds passwords quoted in a message ("password: 1234", "Das Passwort lautet
 * 1234", "密码：1234") so that encrypted archives can be opened and scanned:
 * sending the password beside an encrypted zip is how malware gets past
 * gateways that cannot look inside. Candidates are only ever tried on
 * members; they are never logged.
 */
import {
  FILLER_WORDS,
  MAX_CANDIDATE_CHARS,
  MAX_CANDIDATES,
  MAX_LINE_CHARS,
  MAX_SOURCE_CHARS,
  MAX_TOTAL_CHARS,
  PASSWORD_WORDS,
  QUOTES,
} from './tables.js';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
// Longest first so that "mot de passe" wins over "pass" where both fit.
const WORDS = [...PASSWORD_WORDS].sort((a, b) => b.length - a.length).map(escapeRegex).join('|');
// Not inside a longer word ("passport", "bypass"); \b is ASCII-only, so Unicode letters are checked explicitly.
const KEYWORD = new RegExp(`(?<![\\p{L}\\p{N}])(?:${WORDS})(?![\\p{L}\\p{N}])`, 'giu');
const SEPARATOR = /^[\s]*(?:[:：=＝\-–—]|[\s]+)/u;
const FILLERS = new Set(FILLER_WORDS);
const OPEN_QUOTES = new Map(QUOTES.map(([open, close]) => [open, close]));
// Punctuation that ends a sentence rather than a password.
const TRAILING_PUNCTUATION = /[.,;:!?)\]}。、，！？]+$/u;

/** Extracts at most MAX_CANDIDATES distinct password candidates from the given texts (subject, bodies). */
export function extractPasswords(texts: readonly string[]): string[] {
  const out: string[] = [];
  const add = (candidate: string): void => {
    const value = candidate.trim();
    if (value === '' || value.length > MAX_CANDIDATE_CHARS || out.includes(value) || out.length >= MAX_CANDIDATES) return;
    out.push(value);
  };
  let budget = MAX_TOTAL_CHARS;
  for (const text of texts) {
    if (budget <= 0 || out.length >= MAX_CANDIDATES) break;
    const bounded = text.slice(0, Math.min(MAX_SOURCE_CHARS, budget));
    budget -= bounded.length;
    for (const rawLine of bounded.split(/\r?\n|\r/u)) {
      const line = rawLine.slice(0, MAX_LINE_CHARS);
      KEYWORD.lastIndex = 0;
      let found = false;
      for (const match of line.matchAll(KEYWORD)) {
        found = true;
        const token = tokenAfter(line.slice(match.index + match[0].length));
        if (token !== undefined) for (const variant of token) add(variant);
      }
      // A password line often quotes the password elsewhere on it ("use "Xy12" to open").
      if (found) for (const quoted of quotedTokens(line)) add(quoted);
    }
  }
  return out;
}

/** End tags after which text continues on a new line. */
const LINE_BREAKING_END_TAGS = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/**
 * Text of an HTML body as a reader sees it: tags dropped (block ends become
 * line breaks), script and style content skipped, entities decoded. One pass,
 * linear in the input whatever tags it leaves open.
 */
export function htmlToText(html: string): string {
  const source = html.slice(0, MAX_SOURCE_CHARS * 4);
  const out: string[] = [];
  // Elements whose end tag is known to be absent from here on: hostile HTML full of
  // unclosed <script> tags must not make every one of them search to the end again.
  const unclosed = new Set<string>();
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('<', at);
    if (open < 0) {
      out.push(source.slice(at));
      break;
    }
    out.push(source.slice(at, open));
    const close = source.indexOf('>', open + 1);
    if (close < 0) {
      // No '>' anywhere after: not a tag, the rest is text.
      out.push(source.slice(open));
      break;
    }
    const tag = /^(\/?)([a-z][a-z0-9]*)/iu.exec(source.slice(open + 1, Math.min(close, open + 16)));
    const name = tag?.[2]?.toLowerCase() ?? '';
    const closing = tag?.[1] === '/';
    at = close + 1;
    if (!closing && (name === 'script' || name === 'style') && !unclosed.has(name)) {
      // Script and style content is not text: skip to the end tag.
      const end = new RegExp(`</${name}\\s*>`, 'giu');
      end.lastIndex = at;
      const found = end.exec(source);
      if (found === null) unclosed.add(name);
      else at = found.index + found[0].length;
      out.push(' ');
    } else {
      out.push((!closing && name === 'br') || (closing && LINE_BREAKING_END_TAGS.has(name)) ? '\n' : ' ');
    }
  }
  return decodeEntities(out.join(''));
}

// The password after a keyword: a quoted string, or the first word that is not filler.
function tokenAfter(rest: string): string[] | undefined {
  const sep = SEPARATOR.exec(rest);
  if (sep === null) return undefined;
  let tail = rest.slice(sep[0].length);
  for (let i = 0; i < 4; i++) {
    tail = tail.replace(/^\s+/u, '');
    const quoted = leadingQuoted(tail);
    if (quoted !== undefined) return [quoted];
    const word = /^[^\s]+/u.exec(tail)?.[0];
    if (word === undefined) return undefined;
    const bare = word.replace(/^[:：=＝]+/u, '');
    if (bare !== '' && !FILLERS.has(bare.toLowerCase().replace(TRAILING_PUNCTUATION, ''))) {
      const trimmed = bare.replace(TRAILING_PUNCTUATION, '');
      // "1234." may be the password or the end of the sentence: try both.
      return trimmed === bare || trimmed === '' ? [bare] : [trimmed, bare];
    }
    tail = tail.slice(word.length);
  }
  return undefined;
}

function leadingQuoted(text: string): string | undefined {
  const close = OPEN_QUOTES.get(text[0] ?? '');
  if (close === undefined) return undefined;
  const end = text.indexOf(close, 1);
  return end > 1 ? text.slice(1, end) : undefined;
}

function quotedTokens(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length && out.length < MAX_CANDIDATES; i++) {
    const close = OPEN_QUOTES.get(line[i] ?? '');
    if (close === undefined) continue;
    const end = line.indexOf(close, i + 1);
    if (end === -1) continue;
    const inner = line.slice(i + 1, end);
    // A quoted sentence is not a password; a quoted single token may be.
    if (inner !== '' && inner.length <= MAX_CANDIDATE_CHARS && !/\s/u.test(inner)) out.push(inner);
    i = end;
  }
  return out;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', laquo: '«', raquo: '»', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/giu, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}
