/**
 * Running text to tokens, in the manner of SpamBayes' tokenizer: split on
 * white space, lower-case, keep inner punctuation (`free!!`, `$19.95` carry
 * meaning), reduce links to their hosts and addresses to their domains,
 * bucket numbers by length, and summarise over-long words by shape. Scripts
 * written without spaces (Han, kana, Hangul, Thai) are cut into character
 * bigrams, so a Chinese message yields words too. Linear in the input.
 */
import type { TokenBag } from './token-bag.js';

/** Bounds of one text scan. */
export interface TextLimits {
  /** Characters read (the caller cuts the text first; this is the per-call cap). */
  readonly maxChars: number;
  /** White-space separated chunks looked at. */
  readonly maxChunks: number;
}

// Shorter words are mostly noise ("a", "of"); longer ones are encoded blobs, hashes or
// concatenated junk whose shape, not spelling, is the signal (SpamBayes uses 3..12; mail
// in German and Dutch has long compounds, hence 20).
const MIN_WORD = 3;
const MAX_WORD = 20;
// A URL longer than this is cut before its host is read (hosts are at most 253 characters).
const MAX_URL_SCAN = 2048;
// Punctuation stripped from both ends of a chunk; `!`, `?`, `$` and `%` stay (`free!!!`, `$$$`, `100%`).
const EDGE_PUNCTUATION = /^[\p{Ps}\p{Pe}\p{Pi}\p{Pf}"'`.,;:*_~|<>=-]+|[\p{Ps}\p{Pe}\p{Pi}\p{Pf}"'`.,;:*_~|<>=-]+$/gu;
const NUMBER = /^[$€£¥]?[\d.,:/-]*\d[\d.,:/-]*[%$€£¥]?$/u;
// Scripts written without spaces between words.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]+/gu;
const URL_START = /^(?:(?:https?|ftp):\/\/|www\.)/u;
const HOST_CHARS = /^[\p{L}\p{N}.-]+$/u;

/** Adds the tokens of `text` to `bag`, each prefixed with `prefix` (`s:` for the subject, '' for bodies). */
export function tokenizeText(text: string, prefix: string, bag: TokenBag, limits: TextLimits): void {
  // NFKC folds full-width letters and ligatures onto their plain forms (an evasion and a CJK habit).
  const normal = text.slice(0, limits.maxChars).normalize('NFKC').toLowerCase();
  let chunks = 0;
  for (const match of normal.matchAll(/\S+/gu)) {
    if (bag.full || ++chunks > limits.maxChunks) return;
    tokenizeChunk(match[0], prefix, bag);
  }
}

function tokenizeChunk(chunk: string, prefix: string, bag: TokenBag): void {
  if (URL_START.test(chunk)) {
    addUrlTokens(chunk, prefix, bag);
    return;
  }
  const at = chunk.indexOf('@');
  if (at > 0 && chunk.indexOf('.', at) > at) {
    const domain = chunk.slice(at + 1).replace(EDGE_PUNCTUATION, '');
    if (HOST_CHARS.test(domain)) addHostTokens(`${prefix}email:`, domain, bag);
    return;
  }
  const word = chunk.replace(EDGE_PUNCTUATION, '');
  if (word === '') return;
  if (NUMBER.test(word)) {
    // "$1,000,000" and "$2,500,000" say the same thing; the currency and the magnitude stay.
    const digits = word.replace(/\D/gu, '').length;
    const currency = /^[$€£¥]/u.test(word) ? word[0] : '';
    bag.add(`${prefix}num:${currency}${Math.min(digits, 12)}${word.endsWith('%') ? '%' : ''}`);
    return;
  }
  UNSPACED.lastIndex = 0;
  if (UNSPACED.test(word)) {
    tokenizeMixed(word, prefix, bag);
    return;
  }
  addWord(word, prefix, bag);
}

function addWord(word: string, prefix: string, bag: TokenBag): void {
  const length = [...word].length;
  if (length < MIN_WORD) return;
  if (length > MAX_WORD) {
    // SpamBayes' "skip" token: first character and length in tens.
    bag.add(`${prefix}skip:${word.slice(0, 1)}:${Math.min(Math.floor(length / 10), 20)}`);
    return;
  }
  bag.add(prefix + word);
}

/** A chunk with CJK or Thai: bigrams of each unspaced run, words of what lies between. */
function tokenizeMixed(word: string, prefix: string, bag: TokenBag): void {
  let last = 0;
  UNSPACED.lastIndex = 0;
  for (const match of word.matchAll(UNSPACED)) {
    addWord(word.slice(last, match.index), prefix, bag);
    const chars = [...match[0]];
    if (chars.length === 1) bag.add(`${prefix}${chars[0] ?? ''}`);
    for (let i = 0; i + 1 < chars.length; i++) bag.add(`${prefix}${chars[i] ?? ''}${chars[i + 1] ?? ''}`);
    last = match.index + match[0].length;
  }
  addWord(word.slice(last), prefix, bag);
}

// Path words shorter than this are ids and noise; at most MAX_PATH_WORDS per link.
const MIN_PATH_WORD = 3;
const MAX_PATH_WORDS = 8;

/**
 * Tokens of one link: its host (addHostTokens) and the words of its path and query
 * (`up:cgi-bin`, `up:remove`, `up:unsubscribe`), as SpamBayes' url crack does.
 */
export function addUrlTokens(link: string, prefix: string, bag: TokenBag): void {
  const absolute = link.slice(0, MAX_URL_SCAN);
  let url: URL;
  try {
    url = new URL(absolute.startsWith('www.') ? `http://${absolute}` : absolute);
  } catch {
    bag.add(`${prefix}url:bad`);
    return;
  }
  if (url.hostname === '') {
    bag.add(`${prefix}url:bad`);
    return;
  }
  addHostTokens(`${prefix}url:`, url.hostname.toLowerCase(), bag);
  if (url.port !== '') bag.add(`${prefix}url:port`);
  let words = 0;
  for (const word of `${url.pathname} ${url.search}`.toLowerCase().split(/[^\p{L}\p{N}_-]+/u)) {
    if (word.length < MIN_PATH_WORD || word.length > MAX_WORD || /^\d+$/u.test(word)) continue;
    if (++words > MAX_PATH_WORDS) break;
    bag.add(`${prefix}up:${word}`);
  }
}

/**
 * The host and its last two labels (`url:mail.example.com`, `url:example.com`); a literal
 * address is one shape token (`url:ip`), since IPs rotate while "links to a bare IP" does not.
 */
export function addHostTokens(prefix: string, host: string, bag: TokenBag): void {
  const bare = host.replace(/^\[|\]$/gu, '').replace(/\.$/u, '');
  if (/^[\d.]+$/u.test(bare) || bare.includes(':')) {
    bag.add(`${prefix}ip`);
    return;
  }
  bag.add(prefix + bare.slice(0, 253));
  const labels = bare.split('.');
  if (labels.length > 2) bag.add(prefix + labels.slice(-2).join('.'));
}
