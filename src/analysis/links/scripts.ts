/**
 * Mixed-script labels (UTS #39 "restriction levels", simplified): a label
 * whose letters come from more than one script, other than the combinations
 * real names use (Japanese and Korean mix Han with kana or Hangul, and may
 * add Latin), is how a homograph hides (`pаypal` with a Cyrillic `а`).
 */

// Scripts told apart; a letter in none of them counts as "Other". Digits, hyphen and marks are Common/Inherited.
const SCRIPTS: readonly (readonly [string, RegExp])[] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
];
const LETTER = /\p{L}/u;
// Script sets that real names mix (UTS #39 "Highly Restrictive"), each allowed with Latin added.
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];
// Labels are at most 63 octets as A-labels; a decoded label is shorter still. Anything longer is cut.
const MAX_LABEL_CHARS = 64;

/** The scripts of the letters in `label`, in order of first appearance. */
export function scriptsOf(label: string): string[] {
  const found: string[] = [];
  for (const ch of label.slice(0, MAX_LABEL_CHARS)) {
    if (!LETTER.test(ch)) continue;
    const script = SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? 'Other';
    if (!found.includes(script)) found.push(script);
  }
  return found;
}

/** The scripts mixed in `label` when the mix is a homograph risk, else undefined. */
export function mixedScripts(label: string): string[] | undefined {
  const scripts = scriptsOf(label);
  if (scripts.length < 2) return undefined;
  return ALLOWED_MIXES.some((allowed) => scripts.every((s) => allowed.has(s))) ? undefined : scripts;
}
