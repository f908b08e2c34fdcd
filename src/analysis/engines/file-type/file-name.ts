/**
 * Reads a declared file name the way Windows Explorer will treat it once it
 * is saved: directory parts dropped, trailing dots and spaces ignored,
 * extension lower-cased. Also notes the tricks that make a name lie about
 * itself (bidi controls, a decoy extension before the real one).
 */

export interface FileNameFacts {
  /** Final extension, lower-case, without the dot; absent when the name has none. */
  readonly extension?: string;
  /** Extension before the final one (`pdf` in `invoice.pdf.exe`), padding removed. */
  readonly innerExtension?: string;
  /** Name holds bidi override, embedding, isolate or mark characters (RLO trick). */
  readonly bidi: boolean;
}

// Bidi controls (U+202A..U+202E embeddings/overrides, U+2066..U+2069 isolates, LRM/RLM, ALM).
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
// Windows drops trailing dots and spaces from a file name when it is saved.
const TRAILING_DOTS_SPACES = /[. ]+$/u;
// Padding that hides the real extension off the edge of a file name column.
const PADDING = /^[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+|[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+$/gu;
// Longer "extensions" are not extensions a shell acts on; this also bounds the work.
const MAX_EXTENSION_CHARS = 24;

/** Extracts the facts the file-type engine needs from a raw (unescaped) file name. */
export function examineFileName(name: string): FileNameFacts {
  const bidi = BIDI.test(name);
  const base = (name.split(/[\\/]/u).pop() ?? '').replace(TRAILING_DOTS_SPACES, '');
  const segments = base.split('.');
  if (segments.length < 2) return { bidi };
  // The final extension is taken literally (as the shell does); only the decoy before it is de-padded.
  const extension = normalise(segments[segments.length - 1], false);
  if (extension === undefined) return { bidi };
  const inner = segments.length >= 3 ? normalise(segments[segments.length - 2], true) : undefined;
  return inner === undefined ? { extension, bidi } : { extension, innerExtension: inner, bidi };
}

function normalise(segment: string | undefined, stripPadding: boolean): string | undefined {
  if (segment === undefined) return undefined;
  const value = (stripPadding ? segment.replace(PADDING, '') : segment).toLowerCase();
  return value === '' || value.length > MAX_EXTENSION_CHARS ? undefined : value;
}
