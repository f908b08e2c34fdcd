/**
 * Portable matching helpers. Case folding is done by the database on both
 * sides (`lower(col) = lower(?)`), so SQLite and PostgreSQL agree with their
 * own indexes; domains are folded in JS when written and when searched.
 */

/** Escapes `\`, `%` and `_` so user text matches literally inside LIKE ... ESCAPE '\'. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** `%value%` with the value escaped: a substring pattern. */
export function containsPattern(value: string): string {
  return `%${escapeLike(value)}%`;
}

/** Lower-cased domain of an address (after the last `@`); `''` when there is none (null sender). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** Message-ID stored and searched without surrounding whitespace and angle brackets. */
export function normalizeMessageId(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1).trim() : trimmed;
}

/**
 * How a sender/recipient search term matches: an address (`a@b.example`)
 * matches exactly, ignoring case; a domain (`b.example` or `@b.example`)
 * matches every address at that domain.
 */
export type AddressTerm = { readonly kind: 'address'; readonly value: string } | { readonly kind: 'domain'; readonly value: string };

/** Classifies a sender/recipient search term. */
export function parseAddressTerm(term: string): AddressTerm {
  const value = term.trim();
  const at = value.lastIndexOf('@');
  if (at > 0) return { kind: 'address', value };
  return { kind: 'domain', value: (at === 0 ? value.slice(1) : value).toLowerCase() };
}

/** `mail.example.com` → `com.example.mail`, lower-cased; the form message_urls indexes hosts in. */
export function reverseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '').split('.').reverse().join('.');
}

/** The host of an absolute URL, or undefined. */
export function hostOfUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host === '' ? undefined : host.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}
