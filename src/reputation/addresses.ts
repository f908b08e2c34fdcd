/**
 * Client addresses and domains as the lookups need them: canonical text,
 * DNSBL query names (RFC 5782 section 2.1 for IPv4, 2.4 for IPv6 nibbles),
 * the greylisting network (/24, /64), and the address ranges never looked up.
 */
import { domainToASCII } from 'node:url';
import { buildNetworkSet, formatNetwork, parseAddress, parseNetwork } from '../intel/index.js';

export { buildNetworkSet };

export interface ClientAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  /** Canonical text (IPv4-mapped IPv6 folded to IPv4, RFC 5952 for IPv6). */
  readonly text: string;
}

/** Parses a client address; undefined when it is not one. */
export function parseClientAddress(text: string): ClientAddress | undefined {
  const parsed = parseAddress(text.trim());
  if (parsed === undefined) return undefined;
  const canonical = formatNetwork({ family: parsed.family, bytes: parsed.bytes, prefix: parsed.family === 4 ? 32 : 128 });
  return { family: parsed.family, bytes: parsed.bytes, text: canonical };
}

/** The address's network of `prefix` bits, as canonical text (`192.0.2.0/24`). */
export function networkOf(address: ClientAddress, prefix: number): string {
  const network = parseNetwork(`${address.text}/${prefix}`);
  return network === undefined ? address.text : formatNetwork(network);
}

/** The greylisting and rate-limit grain: /24 for IPv4, /64 for IPv6 (one site's allocation). */
export function clientNetwork(address: ClientAddress): string {
  return networkOf(address, address.family === 4 ? 24 : 64);
}

/** The DNSBL query name of an address under a zone. */
export function dnsblQueryName(address: ClientAddress, zone: string): string {
  if (address.family === 4) return `${Array.from(address.bytes).reverse().join('.')}.${zone}`;
  const nibbles: string[] = [];
  for (const byte of address.bytes) nibbles.push((byte >> 4).toString(16), (byte & 0xf).toString(16));
  return `${nibbles.reverse().join('.')}.${zone}`;
}

// Loopback, private, link-local, CGNAT, unspecified, ULA: asking a public list about them
// is pointless and tells the list operator about the internal network.
const NON_GLOBAL = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '::/128', '::1/128', 'fc00::/7', 'fe80::/10'];

const nonGlobal = buildNetworkSet(NON_GLOBAL).set;

/** True for addresses that are never looked up in DNS lists or reverse DNS. */
export function isNonGlobal(address: ClientAddress): boolean {
  return nonGlobal.lookup(address).length > 0;
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/u;

/** A domain in ASCII (IDN to punycode), lower-case, no trailing dot; undefined when not a host name. */
export function normaliseDomain(text: string, maxChars = 253): string | undefined {
  const trimmed = text.trim().replace(/\.$/u, '');
  if (trimmed.length === 0 || trimmed.length > maxChars * 4) return undefined;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii.length === 0 || ascii.length > maxChars) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return undefined;
  return ascii;
}

/** The domain of an envelope address, lower-case; '' for the null sender or an address without one. */
export function senderDomainOf(mailFrom: string): string {
  const at = mailFrom.lastIndexOf('@');
  return at < 0 ? '' : mailFrom.slice(at + 1).trim().replace(/\.$/u, '').toLowerCase();
}
