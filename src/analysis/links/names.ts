/**
 * Display names compared the way a reader sees them: case, diacritics,
 * spacing, punctuation and look-alike letters do not matter, and
 * `Doe, Jane` is `Jane Doe`.
 */
import { CONFUSABLE_CHARACTERS } from './tables.js';

const MARKS = /\p{M}/gu;
const NOT_LETTER = /[^\p{L}\p{N}]+/gu;
// Display names are cut to 200 characters when headers are read; names in config are short too.
const MAX_NAME_CHARS = 200;

/** The words of a name, normalised (`"Dóe,  JANE"` → `['doe', 'jane']`). */
export function nameWords(name: string): string[] {
  let out = '';
  for (const ch of name.slice(0, MAX_NAME_CHARS)) {
    const mapped = /\p{L}/u.test(ch) ? CONFUSABLE_CHARACTERS[ch] : undefined;
    out += mapped ?? ch;
  }
  return out.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(NOT_LETTER, ' ').trim().split(' ').filter((w) => w !== '');
}

/** A protected name prepared for matching: its words in order and the order a "Last, First" form gives. */
export interface NamePattern {
  readonly words: readonly string[];
}

/** Prepares a protected person's name. */
export function compileName(name: string): NamePattern {
  return { words: nameWords(name) };
}

/**
 * True when the display name carries the protected name: its words appear in order ("Jane Doe (CEO)"),
 * or swapped around a comma ("Doe, Jane"), or the display name is exactly those words in another order.
 */
export function nameMatches(displayName: string, pattern: NamePattern): boolean {
  const wanted = pattern.words;
  if (wanted.length === 0) return false;
  const words = nameWords(displayName);
  if (containsRun(words, wanted)) return true;
  const comma = displayName.indexOf(',');
  if (comma > 0) {
    const swapped = [...nameWords(displayName.slice(comma + 1)), ...nameWords(displayName.slice(0, comma))];
    if (containsRun(swapped, wanted)) return true;
  }
  return words.length === wanted.length && [...words].sort().join(' ') === [...wanted].sort().join(' ');
}

function containsRun(words: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= words.length; i++) {
    if (run.every((w, k) => words[i + k] === w)) return true;
  }
  return false;
}
