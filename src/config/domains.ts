/**
 * Which domains and recipients Moat accepts mail for. SMTP asks at RCPT TO,
 * delivery asks to pick a next hop. Anything not listed is refused: Moat is
 * never an open relay.
 */
import { domainToASCII } from 'node:url';
import type { DomainConfig } from './schema.js';

/**
 * RFC 5321 4.5.3.1: local part at most 64 octets, a path at most 256 octets
 * including the angle brackets, so an address at most 254.
 */
const MAX_LOCAL_OCTETS = 64;
const MAX_ADDRESS_OCTETS = 254;
const MAX_DOMAIN_OCTETS = 255;

/** RFC 5322 atext, the characters of an unquoted local part. */
const ATEXT_ASCII = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/;

export interface ParsedAddress {
  /** Local part in canonical form: unquoted when quoting was unnecessary, NFC, lower-cased. */
  readonly local: string;
  /** Domain in ASCII (punycode) lower-case form. */
  readonly domain: string;
}

/** Control characters (C0, DEL, C1) and bidi overrides never belong in an address. */
function isForbiddenChar(cp: number): boolean {
  return cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

function isAtext(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  // RFC 6531 (SMTPUTF8) extends atext with any non-ASCII UTF-8 character.
  if (cp >= 0x80) return !isForbiddenChar(cp);
  return ATEXT_ASCII.test(ch);
}

function isDotAtom(text: string): boolean {
  if (text === '') return false;
  return text.split('.').every((atom) => atom !== '' && [...atom].every(isAtext));
}

/** Decodes an RFC 5321 quoted-string local part; `undefined` when malformed. */
function decodeQuoted(quoted: string): string | undefined {
  if (quoted.length < 2 || !quoted.endsWith('"')) return undefined;
  const chars = [...quoted.slice(1, -1)];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    const cp = ch.codePointAt(0) ?? 0;
    if (isForbiddenChar(cp)) return undefined;
    if (ch === '"') return undefined;
    if (ch === '\\') {
      // quoted-pairSMTP: a backslash followed by one printable ASCII character.
      const next = chars[++i];
      const nextCp = next?.codePointAt(0) ?? 0;
      if (next === undefined || nextCp < 0x20 || nextCp > 0x7e) return undefined;
      out += next;
    } else {
      out += ch;
    }
  }
  return out;
}

/** A domain in its ASCII lower-case form (IDN U-labels become punycode); `undefined` when invalid. */
export function normalizeDomain(domain: string): string | undefined {
  if (domain === '' || domain.length > MAX_DOMAIN_OCTETS || domain.startsWith('[') || domain.endsWith('.')) return undefined;
  for (const ch of domain) if (isForbiddenChar(ch.codePointAt(0) ?? 0)) return undefined;
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > MAX_DOMAIN_OCTETS) return undefined;
  return ascii.toLowerCase();
}

/**
 * Splits a mailbox (`local@domain`, no angle brackets) into canonical parts.
 * Returns `undefined` for anything that is not a plain, well-formed address:
 * no `@`, empty or over-long parts, control characters, malformed quoting,
 * address literals (`user@[192.0.2.1]`).
 *
 * Local parts are compared case-insensitively: RFC 5321 2.4 lets a host treat
 * them as case-sensitive, but almost every mail system (Exchange, Gmail,
 * Postfix with the usual maps) does not, and refusing `Alice@` when `alice@`
 * exists would bounce legitimate mail.
 */
export function parseAddress(address: string): ParsedAddress | undefined {
  if (Buffer.byteLength(address, 'utf8') > MAX_ADDRESS_OCTETS) return undefined;
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const rawLocal = address.slice(0, at);
  const domain = normalizeDomain(address.slice(at + 1));
  if (domain === undefined) return undefined;
  if (Buffer.byteLength(rawLocal, 'utf8') > MAX_LOCAL_OCTETS) return undefined;
  let local: string;
  if (rawLocal.startsWith('"')) {
    const decoded = decodeQuoted(rawLocal);
    if (decoded === undefined) return undefined;
    // "alice"@ and alice@ are the same mailbox (RFC 5321 4.1.2); keep quotes only where they matter.
    local = isDotAtom(decoded) ? decoded : `"${decoded}"`;
  } else {
    if (!isDotAtom(rawLocal)) return undefined;
    local = rawLocal;
  }
  return { local: local.normalize('NFC').toLowerCase(), domain };
}

interface DomainIndex {
  readonly byName: ReadonlyMap<string, DomainConfig>;
  /** Accepted canonical local parts per domain; absent for `recipients: any`. */
  readonly locals: ReadonlyMap<DomainConfig, ReadonlySet<string>>;
}

/** Config is frozen after loading, so the index is built once per config object. */
const indexes = new WeakMap<object, DomainIndex>();

function buildIndex(domains: readonly DomainConfig[]): DomainIndex {
  const byName = new Map<string, DomainConfig>();
  const locals = new Map<DomainConfig, ReadonlySet<string>>();
  for (const domain of domains) {
    const name = normalizeDomain(domain.name);
    if (name === undefined || byName.has(name)) continue;
    byName.set(name, domain);
    if (domain.recipients === 'any') continue;
    const accepted = new Set<string>();
    for (const entry of domain.recipients) {
      const parsed = parseAddress(entry.includes('@') ? entry : `${entry}@${name}`);
      // Entries for another domain or malformed ones are rejected by config validation; skip defensively.
      if (parsed !== undefined && parsed.domain === name) accepted.add(parsed.local);
    }
    locals.set(domain, accepted);
  }
  return { byName, locals };
}

function indexFor(config: { readonly domains: readonly DomainConfig[] }): DomainIndex {
  let index = indexes.get(config.domains);
  if (index === undefined) {
    index = buildIndex(config.domains);
    indexes.set(config.domains, index);
  }
  return index;
}

/** The configured domain matching `domain` (case-insensitive, IDN compared in punycode form). */
export function findDomain(config: { readonly domains: readonly DomainConfig[] }, domain: string): DomainConfig | undefined {
  const name = normalizeDomain(domain);
  return name === undefined ? undefined : indexFor(config).byName.get(name);
}

export type RecipientCheck = { ok: true; domain: DomainConfig } | { ok: false; reason: 'domain' | 'recipient' };

/**
 * Whether Moat accepts mail for `address`. `reason: 'domain'` means the domain
 * is not ours (or not a valid domain): refuse as relaying denied.
 * `reason: 'recipient'` means the domain is ours but the mailbox is not listed,
 * or the address is malformed. `postmaster` is always accepted, as RFC 5321
 * 4.5.1 requires of every domain.
 */
export function isAcceptedRecipient(config: { readonly domains: readonly DomainConfig[] }, address: string): RecipientCheck {
  const at = address.lastIndexOf('@');
  if (at <= 0) return { ok: false, reason: 'recipient' };
  const domain = findDomain(config, address.slice(at + 1));
  if (domain === undefined) return { ok: false, reason: 'domain' };
  const parsed = parseAddress(address);
  if (parsed === undefined) return { ok: false, reason: 'recipient' };
  if (domain.recipients === 'any' || parsed.local === 'postmaster') return { ok: true, domain };
  const accepted = indexFor(config).locals.get(domain);
  return accepted?.has(parsed.local) === true ? { ok: true, domain } : { ok: false, reason: 'recipient' };
}
