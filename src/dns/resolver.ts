/**
 * The one DNS client of the gateway: sender authentication (SPF, DKIM,
 * DMARC, ARC), DNSBL/RHSBL and reverse DNS all look up through it. Every
 * query has a deadline, answers are cached (bounded, with a TTL), and the
 * servers come from config so that tests point it at a local server and
 * never at the real network.
 */
import { Resolver } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { MoatError } from '../core/index.js';
import { createTtlCache, type TtlCache } from './ttl-cache.js';

export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME' | 'NS';

/**
 * Same shape as `dns.promises.resolve(name, rrtype)` (what mailauth calls):
 * TXT answers are arrays of strings, MX answers `{exchange, priority}`.
 */
export type ResolveFunction = (name: string, rrtype: string) => Promise<unknown[]>;

export interface DnsResolver {
  readonly resolve: ResolveFunction;
  /** PTR names of an address. */
  reverse(address: string): Promise<string[]>;
  /** Cache size and hit counters, for metrics. */
  stats(): { entries: number; hits: number; misses: number };
}

export interface DnsResolverOptions {
  /** `host` or `host:port` entries; empty: the system's resolvers (/etc/resolv.conf). */
  readonly servers: readonly string[];
  /** Per attempt; c-ares doubles it on each retry. */
  readonly timeoutMs: number;
  readonly tries: number;
  readonly cache: { readonly maxEntries: number; readonly positiveTtlSeconds: number; readonly negativeTtlSeconds: number };
  /** Clock for the cache; injected by tests. */
  readonly now?: () => number;
}

/** Answers that are facts about the name (cached as negative answers); everything else is a failure to ask. */
const NEGATIVE_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

const SUPPORTED: ReadonlySet<string> = new Set(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME', 'NS']);

type Cached = { readonly ok: true; readonly records: unknown[] } | { readonly ok: false; readonly code: string };

/** Longest name we look up (RFC 1035 2.3.4: 255 octets on the wire). */
const MAX_NAME_CHARS = 253;

function dnsError(code: string, name: string, rrtype: string): Error {
  // The shape node's resolver uses (`code`), which mailauth maps to temperror/permerror.
  return Object.assign(new Error(`${rrtype} ${name}: ${code}`), { code, hostname: name });
}

/**
 * `192.0.2.1` → `1.2.0.192.in-addr.arpa`, IPv6 → nibbles under `ip6.arpa`
 * (RFC 1035 3.5, RFC 3596 2.5). Asked as a PTR query, not through c-ares'
 * getHostByAddr, which reports SERVFAIL and timeouts as "not found".
 */
export function reverseName(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const text = mapped ?? address;
  if (isIPv4(text)) return `${text.split('.').reverse().join('.')}.in-addr.arpa`;
  if (!isIPv6(text)) return undefined;
  const [head = '', tail = ''] = text.includes('::') ? text.split('::') : [text, ''];
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const nibbles = full.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles.toLowerCase()].reverse().join('.')}.ip6.arpa`;
}

export function createDnsResolver(options: DnsResolverOptions): DnsResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
  if (options.servers.length > 0) {
    try {
      resolver.setServers([...options.servers]);
    } catch (error) {
      throw new MoatError('DNS_SERVERS_INVALID', `dns.servers: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  const cache: TtlCache<Cached> = createTtlCache(options.cache.maxEntries, options.now ?? Date.now);
  // One query in flight per name and type: a burst of messages from one sender asks once.
  const inflight = new Map<string, Promise<Cached>>();
  let hits = 0;
  let misses = 0;

  const ask = async (name: string, rrtype: string): Promise<Cached> => {
    try {
      const records = (await resolver.resolve(name, rrtype)) as unknown[];
      cache.set(`${rrtype} ${name}`, { ok: true, records }, options.cache.positiveTtlSeconds * 1000);
      return { ok: true, records };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EFAIL';
      const answer: Cached = { ok: false, code };
      if (NEGATIVE_CODES.has(code)) cache.set(`${rrtype} ${name}`, answer, options.cache.negativeTtlSeconds * 1000);
      return answer;
    }
  };

  const lookup = async (name: string, rrtype: string): Promise<unknown[]> => {
    const type = rrtype.toUpperCase();
    if (!SUPPORTED.has(type)) throw dnsError('ENOTIMP', name, type);
    const key = name.toLowerCase().replace(/\.$/, '');
    if (key.length === 0 || key.length > MAX_NAME_CHARS) throw dnsError('EBADNAME', name, type);
    const cacheKey = `${type} ${key}`;
    let answer = cache.get(cacheKey);
    if (answer !== undefined) {
      hits += 1;
    } else {
      misses += 1;
      let pending = inflight.get(cacheKey);
      if (pending === undefined) {
        pending = ask(key, type).finally(() => inflight.delete(cacheKey));
        inflight.set(cacheKey, pending);
      }
      answer = await pending;
    }
    if (!answer.ok) throw dnsError(answer.code, name, type);
    // Callers get their own array: a cached answer must not be edited in place.
    return [...answer.records];
  };

  return {
    resolve: lookup,
    reverse: async (address) => {
      const name = reverseName(address);
      if (name === undefined) throw dnsError('EBADNAME', address, 'PTR');
      return (await lookup(name, 'PTR')) as string[];
    },
    stats: () => ({ entries: cache.size(), hits, misses }),
  };
}
