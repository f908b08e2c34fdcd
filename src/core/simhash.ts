/**
 * Lure fingerprints: a 64-bit SimHash over normalised word 3-shingles of a
 * message's subject and body text, so one lure sent to many people (with their
 * name, a date or a tracking number in it) gives the same or a near
 * fingerprint, and campaign clustering can compare lures by Hamming distance.
 * Pure and allocation-light: a 64 KiB body takes well under 5 ms.
 */

// Characters of subject + body fingerprinted: a lure is in its first screens; also bounds the work per message.
const MAX_TEXT_CHARS = 64 * 1024;
// Fewer words than this are not a lure but a one-liner ("see attached"): every such message would look alike.
const MIN_WORDS = 8;
// A greeting line longer than this is a sentence, not a salutation, and is kept.
const MAX_SALUTATION_WORDS = 6;
const SHINGLE_WORDS = 3;

// Replaced by a space before tokenising: they differ per recipient or per send.
const WWW_START = /^[<("'[]?www\./u;
const HEX_ONLY = /^[a-f]+$/u;
// Ideographs and kana are words one character at a time (those scripts do not separate words with spaces).
const IDEOGRAPH = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const DIGIT = /^\p{N}$/u;
// Openings of a salutation line ("Dear John,", "Hi Mary", "Sehr geehrte Frau Müller,"), in the languages we see most.
const SALUTATION =
  /^(?:dear|hi|hello|hey|greetings|good\s+(?:morning|afternoon|evening|day)|attn|attention|to\s+whom|bonjour|bonsoir|cher|ch[eè]re|hallo|liebe[rs]?|sehr\s+geehrte[rs]?|guten\s+tag|hola|estimad[oa]s?|querid[oa]s?|ciao|gentile|egregi[oa]|caro|cara|beste|geachte|hej|ol[aá]|prezad[oa]s?|szanown[iya]|dzie[nń]\s+dobry|здравствуйте|уважаем\S*|привет|尊敬的|您好|你好|친애하는|안녕하세요)(?=[\s,:!.]|$)/iu;
// Month and weekday names: what is left of a date once its numbers are gone.
const DATE_WORDS = new Set(
  (
    'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun am pm utc gmt'
  ).split(' '),
);

/**
 * The lure fingerprint of a message: 16 lower-case hex digits, or undefined when
 * the subject and text hold fewer than 8 words after normalisation.
 */
export function computeLureFingerprint(subject: string | undefined, bodyText: string): string | undefined {
  const words = lureWords(subject, bodyText);
  if (words.length < MIN_WORDS) return undefined;
  // Two 32-bit halves per word (FNV-1a with two offsets, then a murmur3 finaliser): no BigInt on the hot path.
  const hi = new Int32Array(words.length);
  const lo = new Int32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    hi[i] = fnv1a32(word, 0x811c9dc5);
    lo[i] = fnv1a32(word, 0x01000193 ^ 0x5bd1e995);
  }
  // Per bit, how many shingles set it; the SimHash bit is the majority (ties count as unset).
  const ones = new Int32Array(64);
  const shingles = words.length - SHINGLE_WORDS + 1;
  for (let i = 0; i < shingles; i++) {
    // Position-dependent multipliers: "a b c" and "c b a" are different shingles.
    const h = fmix32((Math.imul(hi[i] as number, 0x9e3779b1) + Math.imul(hi[i + 1] as number, 0x85ebca77) + Math.imul(hi[i + 2] as number, 0xc2b2ae3d)) | 0);
    const l = fmix32((Math.imul(lo[i] as number, 0x27d4eb2f) + Math.imul(lo[i + 1] as number, 0x165667b1) + Math.imul(lo[i + 2] as number, 0xd3a2646c)) | 0);
    for (let bit = 0; bit < 32; bit++) {
      ones[bit] = (ones[bit] as number) + ((h >>> bit) & 1);
      ones[bit + 32] = (ones[bit + 32] as number) + ((l >>> bit) & 1);
    }
  }
  let high = 0;
  let low = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (2 * (ones[bit] as number) > shingles) high |= 1 << bit;
    if (2 * (ones[bit + 32] as number) > shingles) low |= 1 << bit;
  }
  return hex32(high) + hex32(low);
}

/** Hamming distance (0..64) between two lure fingerprints; 64 when either is not a fingerprint. */
export function lureDistance(a: string, b: string): number {
  if (!FINGERPRINT.test(a) || !FINGERPRINT.test(b)) return 64;
  return popcount32(Number.parseInt(a.slice(0, 8), 16) ^ Number.parseInt(b.slice(0, 8), 16)) + popcount32(Number.parseInt(a.slice(8), 16) ^ Number.parseInt(b.slice(8), 16));
}

/** True for a well-formed lure fingerprint (16 lower-case hex digits). */
export function isLureFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

const FINGERPRINT = /^[0-9a-f]{16}$/u;

/** The normalised words of subject + body: NFKC, lower case, no URLs, addresses, numbers, dates or salutation line. */
function lureWords(subject: string | undefined, bodyText: string): string[] {
  const body = dropSalutation(bodyText.slice(0, MAX_TEXT_CHARS));
  const text = `${subject ?? ''}\n${body}`.slice(0, MAX_TEXT_CHARS).normalize('NFKC').toLowerCase();
  const words: string[] = [];
  // One linear pass over whitespace-separated chunks; a chunk holding an address or a URL is dropped whole.
  let at = 0;
  while (at < text.length) {
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
    let end = at;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    if (end > at) {
      const chunk = text.slice(at, end);
      if (!chunk.includes('@') && !chunk.includes('://') && !WWW_START.test(chunk)) chunkWords(chunk, words);
    }
    at = end;
  }
  return words;
}

/** Appends the words of one chunk: runs of letters/digits, or single ideographs and kana. */
function chunkWords(chunk: string, words: string[]): void {
  let start = -1;
  let digits = false;
  const flush = (end: number): void => {
    if (start < 0) return;
    const word = chunk.slice(start, end);
    start = -1;
    // Numbers and ids with digits in them (dates, amounts, INV-2024-0042, 1Z999AA1...) vary per recipient.
    if (digits || DATE_WORDS.has(word)) return;
    // Long hex-only runs are ids too (a tracking token "deadbeefcafe").
    if (word.length >= 12 && HEX_ONLY.test(word)) return;
    words.push(word);
  };
  for (let i = 0; i < chunk.length; i++) {
    const code = chunk.charCodeAt(i);
    let kind: 'word' | 'digit' | 'ideograph' | 'other';
    if (code < 0x80) kind = (code >= 0x61 && code <= 0x7a) || code === 0x5f || (code >= 0x41 && code <= 0x5a) ? 'word' : code >= 0x30 && code <= 0x39 ? 'digit' : 'other';
    else {
      // Surrogate pairs: classify the whole code point, then skip its low half.
      const point = chunk.codePointAt(i) ?? code;
      const char = String.fromCodePoint(point);
      kind = IDEOGRAPH.test(char) ? 'ideograph' : WORD_CHAR.test(char) ? (DIGIT.test(char) ? 'digit' : 'word') : 'other';
      if (point > 0xffff) i++;
      if (kind === 'ideograph') {
        flush(i - (point > 0xffff ? 1 : 0));
        words.push(char);
        continue;
      }
    }
    if (kind === 'other') {
      flush(i);
    } else {
      if (start < 0) {
        start = i - (code >= 0xd800 && code <= 0xdbff ? 1 : 0);
        digits = false;
      }
      if (kind === 'digit') digits = true;
    }
  }
  flush(chunk.length);
}

// After NFKC every Unicode space is U+0020 or a control character; U+0085 and the separators stay.
function isSpace(code: number): boolean {
  return code <= 0x20 || code === 0x85 || code === 0x2028 || code === 0x2029;
}

/** Removes the first non-empty line when it is a short salutation ("Dear John,", "Hi Mary"). */
function dropSalutation(body: string): string {
  const start = body.search(/\S/u);
  if (start < 0) return body;
  const newline = body.indexOf('\n', start);
  const end = newline < 0 ? body.length : newline;
  // A salutation is short; checking the length first keeps a one-line 64 KiB body from being normalised twice.
  if (end - start > 120) return body;
  const line = body.slice(start, end).trim().normalize('NFKC');
  const words = line.split(/\s+/u).length;
  // A salutation word opens it, or it is a bare name line ("John,", "Mr. Smith,", "Team:").
  const bareName = words <= 3 && /[,:]$/u.test(line);
  if (words > MAX_SALUTATION_WORDS || !(bareName || SALUTATION.test(line))) return body;
  return body.slice(end);
}

function fnv1a32(text: string, offset: number): number {
  let h = offset | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

// murmur3's 32-bit finaliser: spreads every input bit over the output, so each SimHash bit is a fair coin.
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
