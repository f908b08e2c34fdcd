/**
 * The PROXY protocol header a TCP load balancer (HAProxy, nginx stream, a
 * cloud LB) sends before anything else, naming the client it accepted:
 * version 1 (one text line) and version 2 (binary). Pure and bounded: the
 * caller feeds what it has read, and gets "need more", an error naming what
 * is wrong, or the addresses. Spec: haproxy.org/download/2.9/doc/proxy-protocol.txt
 */
import { isIP } from 'node:net';

/** Where the load balancer says the connection came from (and went to). */
export interface ProxiedAddresses {
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

export type ProxyHeaderResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'error'; readonly reason: string }
  /** `addresses` absent: a LOCAL (v2) or UNKNOWN (v1) header, e.g. the balancer's own health check: the peer is who it is. */
  | { readonly kind: 'ok'; readonly version: 1 | 2; readonly consumed: number; readonly addresses?: ProxiedAddresses };

// Spec 2.1: a v1 line is at most 107 bytes including CRLF.
const V1_MAX = 107;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
// Spec 2.2: the 12-byte signature of v2.
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
// Addresses plus TLVs; real balancers send well under this (spec recommends 536 bytes in all).
export const MAX_V2_PAYLOAD = 1024;
/** The most bytes a valid header can take: read no further before deciding. */
export const MAX_PROXY_HEADER_BYTES = V2_FIXED + MAX_V2_PAYLOAD;

const V1_PORT = /^(0|[1-9]\d{0,4})$/;

function port(text: string): number | undefined {
  if (!V1_PORT.test(text)) return undefined;
  const value = Number(text);
  return value <= 65535 ? value : undefined;
}

function parseV1(data: Buffer): ProxyHeaderResult {
  const end = data.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return data.length >= V1_MAX ? { kind: 'error', reason: 'v1 header line longer than 107 bytes' } : { kind: 'incomplete' };
  if (end + 2 > V1_MAX) return { kind: 'error', reason: 'v1 header line longer than 107 bytes' };
  const line = data.subarray(0, end).toString('latin1');
  if (!/^[\x20-\x7e]*$/.test(line)) return { kind: 'error', reason: 'v1 header has non-printable bytes' };
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'ok', version: 1, consumed: end + 2 };
  if (parts.length !== 6) return { kind: 'error', reason: 'v1 header needs PROXY TCP4|TCP6 src dst sport dport' };
  const [, family, src = '', dst = '', sport = '', dport = ''] = parts;
  const want = family === 'TCP4' ? 4 : family === 'TCP6' ? 6 : 0;
  if (want === 0) return { kind: 'error', reason: `v1 header has unknown protocol family ${JSON.stringify(family?.slice(0, 16))}` };
  if (isIP(src) !== want || isIP(dst) !== want) return { kind: 'error', reason: `v1 header addresses are not ${family} addresses` };
  const sourcePort = port(sport);
  const destinationPort = port(dport);
  if (sourcePort === undefined || destinationPort === undefined) return { kind: 'error', reason: 'v1 header ports are not 0-65535' };
  return { kind: 'ok', version: 1, consumed: end + 2, addresses: { sourceAddress: src, sourcePort, destinationAddress: dst, destinationPort } };
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // Node normalises the text form (compresses zeros, lower-case) through URL parsing of a bracketed host.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function parseV2(data: Buffer): ProxyHeaderResult {
  if (data.length < V2_FIXED) return { kind: 'incomplete' };
  const versionCommand = data[12] ?? 0;
  if (versionCommand >> 4 !== 2) return { kind: 'error', reason: `v2 header has version ${versionCommand >> 4}` };
  const command = versionCommand & 0x0f;
  if (command > 1) return { kind: 'error', reason: `v2 header has unknown command ${command}` };
  const familyProtocol = data[13] ?? 0;
  const length = data.readUInt16BE(14);
  if (length > MAX_V2_PAYLOAD) return { kind: 'error', reason: `v2 header payload of ${length} bytes is over ${MAX_V2_PAYLOAD}` };
  if (data.length < V2_FIXED + length) return { kind: 'incomplete' };
  const consumed = V2_FIXED + length;
  // LOCAL: the balancer's own connection (health checks); the addresses, if any, are ignored (spec 2.2).
  if (command === 0) return { kind: 'ok', version: 2, consumed };
  const payload = data.subarray(V2_FIXED, consumed);
  switch (familyProtocol) {
    case 0x11: {
      // TCP over IPv4: 4 + 4 + 2 + 2 bytes.
      if (length < 12) return { kind: 'error', reason: 'v2 TCP4 header too short for its addresses' };
      const addr = (at: number): string => [...payload.subarray(at, at + 4)].join('.');
      return { kind: 'ok', version: 2, consumed, addresses: { sourceAddress: addr(0), destinationAddress: addr(4), sourcePort: payload.readUInt16BE(8), destinationPort: payload.readUInt16BE(10) } };
    }
    case 0x21: {
      // TCP over IPv6: 16 + 16 + 2 + 2 bytes.
      if (length < 36) return { kind: 'error', reason: 'v2 TCP6 header too short for its addresses' };
      return {
        kind: 'ok',
        version: 2,
        consumed,
        addresses: { sourceAddress: ipv6(payload.subarray(0, 16)), destinationAddress: ipv6(payload.subarray(16, 32)), sourcePort: payload.readUInt16BE(32), destinationPort: payload.readUInt16BE(34) },
      };
    }
    default:
      // UNSPEC with PROXY, UDP, UNIX sockets: nothing an SMTP client could have come over.
      return { kind: 'error', reason: `v2 header has unsupported family/protocol 0x${familyProtocol.toString(16).padStart(2, '0')}` };
  }
}

/** Parses the start of a connection's bytes as a PROXY header (v1 or v2). */
export function parseProxyHeader(data: Buffer): ProxyHeaderResult {
  const probe = Math.min(data.length, V2_SIGNATURE.length);
  if (data.subarray(0, probe).equals(V2_SIGNATURE.subarray(0, probe))) {
    return data.length < V2_SIGNATURE.length ? { kind: 'incomplete' } : parseV2(data);
  }
  const prefix = Math.min(data.length, V1_PREFIX.length);
  if (data.subarray(0, prefix).equals(V1_PREFIX.subarray(0, prefix))) {
    return data.length < V1_PREFIX.length ? { kind: 'incomplete' } : parseV1(data);
  }
  return { kind: 'error', reason: 'no PROXY header where one is required' };
}
