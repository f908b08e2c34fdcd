/**
 * A small authoritative DNS server for tests, on loopback UDP and TCP (same
 * port), answering from a declarative zone. SPF, DKIM, DMARC, DNSBL and PTR
 * records come from here; no test ever asks a real resolver. Names can be
 * made to SERVFAIL or to never answer (timeouts), and answers too large for
 * UDP are truncated so that clients retry over TCP, as real servers do.
 */
import { createSocket, type RemoteInfo, type Socket as DgramSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';

export type ZoneRecord =
  | { readonly name: string; readonly type: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR'; readonly data: string; readonly ttl?: number }
  | { readonly name: string; readonly type: 'TXT'; readonly data: string | readonly string[]; readonly ttl?: number }
  | { readonly name: string; readonly type: 'MX'; readonly data: { readonly exchange: string; readonly preference: number }; readonly ttl?: number };

export interface TestDnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, for `dns.servers`. */
  readonly address: string;
  /** Every question asked, in order (`TXT example.test`). */
  readonly queries: string[];
  setZone(records: readonly ZoneRecord[]): void;
  add(...records: ZoneRecord[]): void;
  /** Names (lower-case) answered SERVFAIL. */
  readonly servfail: Set<string>;
  /** Names (lower-case) never answered: the client times out. */
  readonly silent: Set<string>;
  stop(): Promise<void>;
}

/** Splits a long TXT value into the 255-octet character-strings DNS carries (RFC 1035 3.3.14). */
function txtStrings(data: string | readonly string[]): Buffer[] {
  if (typeof data !== 'string') return data.map((s) => Buffer.from(s, 'utf8'));
  const bytes = Buffer.from(data, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length || out.length === 0; at += 255) out.push(bytes.subarray(at, at + 255));
  return out;
}

function toAnswer(record: ZoneRecord): packet.Answer {
  const base = { name: record.name, ttl: record.ttl ?? 300, class: 'IN' as const };
  switch (record.type) {
    case 'TXT':
      return { ...base, type: 'TXT', data: txtStrings(record.data) };
    case 'MX':
      return { ...base, type: 'MX', data: { exchange: record.data.exchange, preference: record.data.preference } };
    default:
      return { ...base, type: record.type, data: record.data };
  }
}

const normal = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** `unref`: the server does not keep the test process alive (for a process-wide server). */
export async function startDnsServer(records: readonly ZoneRecord[] = [], options: { unref?: boolean } = {}): Promise<TestDnsServer> {
  let zone: ZoneRecord[] = [...records];
  const queries: string[] = [];
  const servfail = new Set<string>();
  const silent = new Set<string>();

  /** The response to one query, or undefined to stay silent. */
  const respond = (query: packet.Packet, maxBytes: number): Buffer | undefined => {
    const question = query.questions?.[0];
    if (question === undefined) return undefined;
    const name = normal(question.name);
    queries.push(`${question.type} ${name}`);
    if (silent.has(name)) return undefined;
    const base = { id: query.id ?? 0, type: 'response' as const, questions: [question] };
    if (servfail.has(name)) return packet.encode({ ...base, flags: packet.AUTHORITATIVE_ANSWER | 2 });
    const ofName = zone.filter((r) => normal(r.name) === name);
    const answers = ofName.filter((r) => r.type === question.type).map(toAnswer);
    // NXDOMAIN (rcode 3) when the name has no records at all; NODATA (NOERROR, empty) otherwise.
    const rcode = ofName.length === 0 ? 3 : 0;
    const full = packet.encode({ ...base, flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_DESIRED | rcode, answers });
    if (full.length <= maxBytes) return full;
    // Too large for this transport: truncated, so the client asks again over TCP.
    return packet.encode({ ...base, flags: packet.AUTHORITATIVE_ANSWER | packet.TRUNCATED_RESPONSE, answers: [] });
  };

  /** A UDP socket on a free port, answering queries. */
  const openUdp = async (): Promise<DgramSocket> => {
    const udp = createSocket('udp4');
    udp.on('message', (message: Buffer, peer: RemoteInfo) => {
      let query: packet.Packet;
      try {
        query = packet.decode(message);
      } catch {
        return;
      }
      // EDNS0 (RFC 6891) raises the UDP limit to what the client advertises.
      const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
      const reply = respond(query, Math.max(512, opt?.udpPayloadSize ?? 512));
      if (reply !== undefined) udp.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    return udp;
  };

  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 4.2.2: each message is prefixed with its two-octet length.
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let query: packet.Packet;
        try {
          query = packet.decode(message);
        } catch {
          socket.destroy();
          return;
        }
        const reply = respond(query, 65_535);
        if (reply === undefined) continue;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length, 0);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
  });
  // Both transports on one port, as resolvers expect: the UDP port is free, but its TCP twin may not
  // be (another test's listener); then try another port rather than fail the suite.
  let udp = await openUdp();
  for (let attempt = 1; ; attempt++) {
    const port = udp.address().port;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
      break;
    } catch (error) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
      udp = await openUdp();
    }
  }
  const port = udp.address().port;
  if (options.unref === true) {
    udp.unref();
    tcp.unref();
  }
  // Sanity: both transports on one port, as resolvers expect.
  if ((tcp.address() as AddressInfo).port !== port) throw new Error('test DNS server: TCP and UDP ports differ');

  return {
    port,
    address: `127.0.0.1:${port}`,
    queries,
    servfail,
    silent,
    setZone(next) {
      zone = [...next];
    },
    add(...more) {
      zone.push(...more);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

let shared: Promise<TestDnsServer> | undefined;

/**
 * One empty-zone server per test process (every name NXDOMAIN), which test
 * gateways use unless a test brings its own: a gateway under test never asks
 * the real network, and fails fast instead of waiting for timeouts.
 */
export function sharedTestDns(): Promise<TestDnsServer> {
  shared ??= startDnsServer([], { unref: true });
  return shared;
}
