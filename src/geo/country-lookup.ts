/**
 * IP address → country (ISO 3166-1 alpha-2) from a MaxMind DB file, for the
 * sender countries of campaign reports. The caller (`app/`) reads the file;
 * this module only parses bytes, so it opens nothing and reads no config.
 */
import { BlockList, isIP } from 'node:net';
import { Reader, type Response } from 'mmdb-lib';
import { MoatError } from '../core/index.js';

/** Answers the country of an address; undefined for private, reserved and unknown addresses. */
export type CountryLookup = (ip: string) => string | undefined;

/**
 * Addresses that have no country: private, loopback, link-local, shared (CGN),
 * documentation, benchmarking, multicast and reserved ranges (RFC 6890). Some
 * databases still answer for a few of them (the shipped one places
 * 203.0.113.0/24, a documentation range, in AU): a report must not.
 */
const RESERVED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const RESERVED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['2001:db8::', 32],
  ['ff00::', 8],
] as const;

function reservedRanges(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of RESERVED_V4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of RESERVED_V6) list.addSubnet(network, prefix, 'ipv6');
  return list;
}

/** `::ffff:192.0.2.1` is an IPv4 address; looked up (and checked) as one. */
function unmapped(ip: string): string {
  const match = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/iu.exec(ip);
  return match?.[1] ?? ip;
}

/** The country code of a record: `{ country_code }` (ip-location-db) or `{ country: { iso_code } }` (GeoLite2, GeoIP2). */
export function countryOfRecord(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const flat = (record as { country_code?: unknown }).country_code;
  const nested = (record as { country?: { iso_code?: unknown } }).country?.iso_code;
  const code = typeof flat === 'string' ? flat : typeof nested === 'string' ? nested : undefined;
  return code !== undefined && /^[A-Za-z]{2}$/u.test(code) ? code.toUpperCase() : undefined;
}

/** Builds a lookup over an MMDB file's bytes; throws GEO_DATABASE_INVALID when they are not one. */
export function createCountryLookup(mmdb: Uint8Array): CountryLookup {
  let reader: Reader<Response>;
  try {
    // mmdb-lib wants a Buffer; this one shares the caller's memory (no copy of ~8 MB).
    reader = new Reader<Response>(Buffer.from(mmdb.buffer, mmdb.byteOffset, mmdb.byteLength));
  } catch (error) {
    throw new MoatError('GEO_DATABASE_INVALID', `not a MaxMind DB file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const reserved = reservedRanges();
  return (ip) => {
    const address = unmapped(ip.trim());
    const family = isIP(address);
    if (family === 0) return undefined;
    if (reserved.check(address, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
    try {
      return countryOfRecord(reader.get(address));
    } catch {
      // A corrupt record (a damaged file) reads as unknown: a report shows "unknown", it does not fail.
      return undefined;
    }
  };
}
