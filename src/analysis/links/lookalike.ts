/**
 * Lookalike domains: a registrable domain that is not a protected domain
 * (the organization's own, a configured brand) but reads like one, by a
 * small edit distance, by confusable characters (`pаypal.com` with a
 * Cyrillic `а`, `paypa1.com`, `rnicrosoft.com`), or by carrying the
 * protected name as labels of another site (`paypal.com.evil.example`).
 */
import { CONFUSABLE_CHARACTERS, CONFUSABLE_SEQUENCES } from './tables.js';
import type { RegistrableDomain } from './domain.js';
import { normaliseHost, toUnicodeHost } from './domain.js';

export type LookalikeHow = 'confusable' | 'edit-distance' | 'embedded';

export interface Lookalike {
  /** The protected domain it imitates. */
  readonly target: string;
  readonly how: LookalikeHow;
  /** Edit distance for `edit-distance`. */
  readonly distance?: number;
}

export interface LookalikeMatcher {
  /** True when the host's registrable domain is one of the protected domains itself. */
  isProtected(host: string): boolean;
  /** The protected domain `host` imitates, or undefined (also for a protected domain and its subdomains). */
  match(host: string): Lookalike | undefined;
}

// Edit distance allowed by the length of the protected name (its registrable domain without the suffix's
// dot part): one typo in a name of 5+ letters, two in 9+. Shorter names are matched by confusables only:
// `ibm.com` is one letter away from hundreds of real sites.
const DISTANCE_BY_LENGTH: readonly (readonly [number, number])[] = [
  [9, 2],
  [5, 1],
];
// Host names are at most 253 characters (RFC 1035); compared strings are cut there.
const MAX_HOST_CHARS = 253;
const MARKS = /\p{M}/gu;

/** The confusable skeleton of a (Unicode) string: each look-alike character replaced by what it imitates. */
export function skeleton(text: string): string {
  let out = '';
  for (const ch of text.slice(0, MAX_HOST_CHARS)) {
    const mapped = CONFUSABLE_CHARACTERS[ch] ?? CONFUSABLE_CHARACTERS[ch.toLowerCase()];
    // Characters with marks (é, ä) read as their base letter at a glance.
    out += mapped ?? ch.toLowerCase().normalize('NFKD').replace(MARKS, '');
  }
  for (const [from, to] of CONFUSABLE_SEQUENCES) out = out.split(from).join(to);
  return out;
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transposition), or `max + 1` as soon as it
 * is known to exceed `max`: only a band of width 2·max+1 around the diagonal is computed.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const big = max + 1;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : big));
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = new Array<number>(b.length + 1).fill(big);
    row[0] = i <= max ? i : big;
    let best = row[0];
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    for (let j = from; j <= to; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? big) + 1, (row[j - 1] ?? big) + 1, (prev[j - 1] ?? big) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] ?? big) + 1);
      d = Math.min(d, big);
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return big;
    prev2 = prev;
    prev = row;
  }
  return Math.min(prev[b.length] ?? big, big);
}

interface Protected {
  readonly ascii: string;
  readonly skeleton: string;
  readonly maxDistance: number;
  readonly labels: readonly string[];
}

/** A matcher for one list of protected domains (registrable domains: `bank.example`, `paypal.com`). */
export function createLookalikeMatcher(domains: readonly string[], registrable: RegistrableDomain): LookalikeMatcher {
  const list: Protected[] = [];
  const own = new Set<string>();
  for (const raw of domains) {
    const host = asciiHost(raw);
    // A protected `login.bank.example` protects its site, `bank.example`.
    const ascii = host === undefined ? undefined : registrable(host);
    if (ascii === undefined || own.has(ascii)) continue;
    own.add(ascii);
    const label = ascii.slice(0, Math.max(0, ascii.indexOf('.')));
    const maxDistance = DISTANCE_BY_LENGTH.find(([length]) => label.length >= length)?.[1] ?? 0;
    list.push({ ascii, skeleton: skeleton(toUnicodeHost(ascii)), maxDistance, labels: ascii.split('.') });
  }
  const isProtected = (host: string): boolean => {
    const ascii = asciiHost(host);
    return ascii !== undefined && own.has(registrable(ascii));
  };
  return {
    isProtected,
    match(host) {
      const ascii = asciiHost(host);
      if (ascii === undefined) return undefined;
      const site = registrable(ascii);
      if (own.has(site)) return undefined;
      const siteSkeleton = skeleton(toUnicodeHost(site));
      for (const p of list) {
        if (siteSkeleton === p.skeleton) return { target: p.ascii, how: 'confusable' };
        if (p.maxDistance > 0) {
          const distance = editDistance(site, p.ascii, p.maxDistance);
          if (distance <= p.maxDistance) return { target: p.ascii, how: 'edit-distance', distance };
        }
      }
      // `paypal.com.evil.example`: the protected name as labels of another site, left of its registrable domain.
      const hostLabels = ascii.split('.');
      const siteLabels = site.split('.').length;
      for (const p of list) {
        if (containsLabels(hostLabels.slice(0, hostLabels.length - siteLabels), p.labels)) return { target: p.ascii, how: 'embedded' };
      }
      return undefined;
    },
  };
}

function containsLabels(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0 || needle.length > haystack.length) return false;
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((label, k) => haystack[i + k] === label)) return true;
  }
  return false;
}

/** The A-label form of a host or domain (`pаypal.com` → `xn--pypal-4ve.com`); undefined when it is not a host. */
function asciiHost(host: string): string | undefined {
  const h = normaliseHost(host).slice(0, MAX_HOST_CHARS);
  if (h === '') return undefined;
  try {
    return new URL(`http://${h}/`).hostname;
  } catch {
    // Not a valid host name: nothing to compare.
    return undefined;
  }
}
