/**
 * Host names as the links pass compares them: IP literals, the registrable
 * domain ("the site": one label under its public suffix), and the Unicode
 * form of an IDN label for script checks.
 */
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';

/** Lower-case, no trailing dot, no IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h;
}

/** True for an IPv4 or IPv6 literal (the WHATWG parser has already turned `0xC6.51.100.7` and `3325550599` into dotted form). */
export function isIpLiteral(host: string): boolean {
  return isIP(normaliseHost(host)) !== 0;
}

/** A registrable-domain function over a set of multi-label public suffixes (tables.ts). */
export type RegistrableDomain = (host: string) => string;

/**
 * The registrable domain of a host: the label left of its public suffix, with the suffix (`a.b.bank.co.uk`
 * → `bank.co.uk`, `login.paypal.com` → `paypal.com`). Single-label suffixes are assumed for anything not
 * in `suffixes` (see the limitation in tables.ts). An IP literal is its own registrable domain.
 */
export function createRegistrableDomain(suffixes: Iterable<string>): RegistrableDomain {
  const known = new Set([...suffixes].map((s) => normaliseHost(s)));
  return (host) => {
    const h = normaliseHost(host);
    if (isIP(h) !== 0) return h;
    const labels = h.split('.');
    if (labels.length <= 2) return h;
    // Longest known suffix first: `s3.amazonaws.com` before `amazonaws.com`.
    for (let take = Math.min(labels.length - 1, 4); take >= 2; take--) {
      const suffix = labels.slice(-take).join('.');
      if (known.has(suffix)) return labels.slice(-(take + 1)).join('.');
    }
    return labels.slice(-2).join('.');
  };
}

/** The Unicode form of an A-label host (`xn--pypal-4ve.com` → `pаypal.com`); the input when it does not decode. */
export function toUnicodeHost(host: string): string {
  const decoded = domainToUnicode(host);
  return decoded === '' ? host : decoded;
}

/** The domain of an address (`a@b.example` → `b.example`), lower-case; undefined without one. */
export function domainOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return undefined;
  return normaliseHost(address.slice(at + 1));
}
