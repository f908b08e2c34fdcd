/**
 * IP address and CIDR parsing to bytes, for the CIDR trie. IPv4-mapped IPv6
 * addresses (`::ffff:192.0.2.1`, as dual-stack sockets report clients) are
 * folded to IPv4 so that an IPv4 indicator matches them.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Network {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, host bits cleared. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function parseV4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function parseV6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Parses an address (`192.0.2.1`, `2001:db8::1`, zone ids refused); undefined when invalid. */
export function parseAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  if (isIPv4(text)) return { family: 4, bytes: parseV4(text) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const bytes = parseV6(text);
  if (V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

/** Parses `addr` or `addr/len` into a network with host bits cleared; undefined when invalid. */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const len = text.slice(slash + 1);
    if (!/^\d{1,3}$/u.test(len)) return undefined;
    prefix = Number(len);
    // A mapped address written with an IPv6 prefix length: shift it to the IPv4 part.
    if (addr.family === 4 && isIPv6(text.slice(0, slash))) prefix -= 96;
    if (prefix < 0 || prefix > max) return undefined;
  }
  const bytes = addr.bytes.slice();
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
  return { family: addr.family, bytes, prefix };
}

/** Canonical text of a network: the address alone for a host, `net/len` otherwise. */
export function formatNetwork(network: Network): string {
  const { bytes, family, prefix } = network;
  let addr: string;
  if (family === 4) {
    addr = Array.from(bytes).join('.');
  } else {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
    // Compress the longest zero run (RFC 5952 section 4.2).
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    addr = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  }
  return prefix === (family === 4 ? 32 : 128) ? addr : `${addr}/${prefix}`;
}
