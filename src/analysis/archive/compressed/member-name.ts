import { NAME_SUFFIXES } from './tables.js';

// What a member is called when neither the stream nor the outer artifact names it.
const FALLBACK_NAME = 'data';

/**
 * The name of the one member of a compressed stream: the name stored in the
 * stream (gzip FNAME) if any, else the outer name without its compression
 * suffix, as gunzip would write it.
 */
export function nameDecompressed(format: keyof typeof NAME_SUFFIXES, outerName: string | undefined, storedName?: string): string {
  if (storedName !== undefined && storedName !== '') return storedName;
  if (outerName === undefined) return FALLBACK_NAME;
  const base = outerName.split(/[\\/]/u).pop() ?? '';
  const lower = base.toLowerCase();
  for (const [suffix, replacement] of NAME_SUFFIXES[format]) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) return base.slice(0, base.length - suffix.length) + replacement;
  }
  return base === '' ? FALLBACK_NAME : base;
}
