/**
 * URLs in running text, found the way mail clients linkify them: an
 * http(s)/ftp scheme or a bare `www.` host, up to white space or a
 * character that cannot appear in a link, minus trailing punctuation and
 * unbalanced closing brackets ("see (https://x.example/a)." links to
 * `https://x.example/a`).
 */
import type { ParsedLink } from './normalise.js';
import { MAX_URL_CHARS, toLink } from './normalise.js';

// Not after a letter, digit or URL punctuation, so `hxxp://` and `awww.` are not links. The body stops at white
// space, controls and the characters RFC 3986 Appendix C names as URL delimiters in text (<, >, ", `).
// `[\\/]{2}` because `http:\\host` reaches the host in browsers. At most MAX_URL_CHARS per candidate: a longer
// run is cut and the search goes on after the cut, so a 2 MB line costs one linear pass.
const CANDIDATE = new RegExp(`(?<![\\p{L}\\p{N}+.\\-])(?:(?:https?|ftp):[\\\\/]{2}|www\\.)[^\\s<>"\`\\u0000-\\u001f\\u007f]{0,${MAX_URL_CHARS}}`, 'giu');
// Punctuation that ends a sentence rather than a URL (as char codes: . , : ; ! ? ' " * ) ] }).
const TRAILING = new Set([0x2e, 0x2c, 0x3a, 0x3b, 0x21, 0x3f, 0x27, 0x22, 0x2a, 0x29, 0x5d, 0x7d]);
// Closing bracket -> its opening partner.
const OPENING = new Map([
  [0x29, 0x28],
  [0x5d, 0x5b],
  [0x7d, 0x7b],
]);

/** Hands each URL in `text` to `onUrl`, in order; stops when `onUrl` returns false. */
export function extractTextUrls(text: string, onUrl: (link: ParsedLink) => boolean): void {
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    const candidate = trimTrailing(match[0]);
    const absolute = /^www\./iu.test(candidate) ? `http://${candidate}` : candidate;
    const link = toLink(absolute);
    if (link !== undefined && !onUrl(link)) return;
  }
}

/** Drops sentence punctuation and closing brackets that have no opening partner inside the URL. */
export function trimTrailing(candidate: string): string {
  // Bracket counts by char code, taken once when a closing bracket first ends the URL and then
  // updated while trimming: a run of 2,000 `)` stays linear.
  let counts: Int32Array | undefined;
  let end = candidate.length;
  while (end > 0) {
    const last = candidate.charCodeAt(end - 1);
    if (!TRAILING.has(last)) break;
    const open = OPENING.get(last);
    if (open !== undefined) {
      counts ??= countBrackets(candidate);
      if ((counts[open] ?? 0) >= (counts[last] ?? 0)) break;
      counts[last] = (counts[last] ?? 0) - 1;
    }
    end--;
  }
  return candidate.slice(0, end);
}

function countBrackets(text: string): Int32Array {
  const counts = new Int32Array(128);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}
