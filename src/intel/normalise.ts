/**
 * One normal form per indicator type, applied both when an indicator is
 * loaded and when a message value is looked up, so that matching is a plain
 * Map/Set lookup.
 */
import { domainToASCII } from 'node:url';
import { formatNetwork, parseNetwork } from './ip.js';
import type { IndicatorType } from './types.js';

// Longest value accepted: URLs beyond this are not indicators anybody ships (browsers cap near 2 KB).
export const MAX_VALUE_LENGTH = 2048;

export type Normalised = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

const HEX: Record<'sha256' | 'sha1' | 'md5', RegExp> = { sha256: /^[0-9a-f]{64}$/u, sha1: /^[0-9a-f]{40}$/u, md5: /^[0-9a-f]{32}$/u };
// RFC 1035 label rules, after IDNA to ASCII.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/u;

function fail(reason: string): Normalised {
  return { ok: false, reason };
}

/** Normalises a domain (lower-case, IDNA A-label, trailing dot dropped); undefined when not a domain. */
export function normaliseDomain(text: string): string | undefined {
  const ascii = domainToASCII(text.trim().replace(/\.$/u, '').toLowerCase());
  return DOMAIN.test(ascii) ? ascii : undefined;
}

/** Normalises a URL: lower-case scheme and host, default port and fragment dropped (WHATWG URL does the first two). */
export function normaliseUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Not a URL: the caller reports the line, nothing is lost.
    return undefined;
  }
  if (!url.host) return undefined;
  url.hash = '';
  return url.href;
}

/** Subjects match exactly after case folding and whitespace collapsing. */
export function normaliseSubject(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** Normalises `raw` as an indicator of `type`. */
export function normaliseValue(type: IndicatorType, raw: string): Normalised {
  const text = raw.trim();
  if (text === '') return fail('empty value');
  if (text.length > MAX_VALUE_LENGTH) return fail(`value longer than ${MAX_VALUE_LENGTH} characters`);
  switch (type) {
    case 'sha256':
    case 'sha1':
    case 'md5': {
      const hex = text.toLowerCase();
      return HEX[type].test(hex) ? { ok: true, value: hex } : fail(`not a ${type} hex digest`);
    }
    case 'ipv4':
    case 'ipv6': {
      const net = parseNetwork(text);
      if (!net) return fail(`not an ${type} address or CIDR`);
      if (net.family !== (type === 'ipv4' ? 4 : 6)) return fail(`not an ${type} address or CIDR`);
      return { ok: true, value: formatNetwork(net) };
    }
    case 'domain': {
      const domain = normaliseDomain(text);
      return domain ? { ok: true, value: domain } : fail('not a domain name');
    }
    case 'email': {
      const at = text.lastIndexOf('@');
      const domain = at > 0 ? normaliseDomain(text.slice(at + 1)) : undefined;
      const value = domain ? `${text.slice(0, at).toLowerCase()}@${domain}` : '';
      return domain && EMAIL.test(value) ? { ok: true, value } : fail('not an email address');
    }
    case 'url': {
      const url = normaliseUrl(text);
      return url ? { ok: true, value: url } : fail('not an absolute URL');
    }
    case 'subject':
      return { ok: true, value: normaliseSubject(text) };
    case 'filename':
      return { ok: true, value: text.toLowerCase() };
  }
}

/**
 * Guesses the type of a bare list value: 64/40/32 hex digits are sha256/sha1/md5,
 * then IP or CIDR, URL (has a scheme), email (has `@`), domain. Subjects and
 * file names are never guessed: the caller names the type.
 */
export function inferIndicatorType(raw: string): IndicatorType | undefined {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/u.test(text)) return 'sha256';
  if (/^[0-9a-fA-F]{40}$/u.test(text)) return 'sha1';
  if (/^[0-9a-fA-F]{32}$/u.test(text)) return 'md5';
  const net = parseNetwork(text);
  if (net) return net.family === 4 ? 'ipv4' : 'ipv6';
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(text)) return 'url';
  if (text.includes('@')) return 'email';
  if (normaliseDomain(text)) return 'domain';
  return undefined;
}
