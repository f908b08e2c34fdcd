/**
 * The indicator store: one Map per exact-match type (O(1) per value), domain
 * lookups walk the value's parent domains, and IP lookups go through a CIDR
 * trie. Expired indicators are kept but never match. A store is rebuilt in a
 * worker from its snapshot, a plain array that structured clone copies.
 */
import { createCidrTrie } from './cidr-trie.js';
import { parseAddress, parseNetwork } from './ip.js';
import { normaliseDomain, normaliseValue } from './normalise.js';
import type { Indicator, IndicatorType } from './types.js';

export interface IndicatorSnapshot {
  readonly version: 1;
  readonly indicators: readonly Indicator[];
}

export interface IndicatorStoreOptions {
  /** Clock for expiry, epoch ms; injected so tests control it. */
  readonly now?: () => number;
}

export interface IndicatorStore {
  /** Number of indicators per type (expired ones included), e.g. to skip md5 when there are none. */
  count(type: IndicatorType): number;
  /**
   * Live indicators matching `value` of `type`. The value is normalised first;
   * domains match themselves and their subdomains, IPs any containing CIDR
   * (ipv4 and ipv6 both look up the address's own family).
   */
  match(type: IndicatorType, value: string): Indicator[];
  toSnapshot(): IndicatorSnapshot;
}

type Bucket = Indicator | Indicator[];

/** Builds a store from indicators whose values are already normalised (the loaders do it). */
export function createIndicatorStore(indicators: Iterable<Indicator>, options: IndicatorStoreOptions = {}): IndicatorStore {
  const now = options.now ?? Date.now;
  const exact = new Map<IndicatorType, Map<string, Bucket>>();
  const trie = createCidrTrie<Indicator>();
  const counts = new Map<IndicatorType, number>();
  const all: Indicator[] = [];

  for (const indicator of indicators) {
    all.push(indicator);
    counts.set(indicator.type, (counts.get(indicator.type) ?? 0) + 1);
    if (indicator.type === 'ipv4' || indicator.type === 'ipv6') {
      const network = parseNetwork(indicator.value);
      if (network) trie.insert(network, indicator);
      continue;
    }
    let map = exact.get(indicator.type);
    if (!map) exact.set(indicator.type, (map = new Map()));
    const bucket = map.get(indicator.value);
    // Most values have one indicator: store it bare to save an array per value.
    if (bucket === undefined) map.set(indicator.value, indicator);
    else if (Array.isArray(bucket)) bucket.push(indicator);
    else map.set(indicator.value, [bucket, indicator]);
  }

  const live = (found: readonly Indicator[]): Indicator[] => {
    const t = now();
    return found.filter((i) => i.expiresAt === undefined || i.expiresAt > t);
  };
  const lookup = (type: IndicatorType, value: string): readonly Indicator[] => {
    const bucket = exact.get(type)?.get(value);
    return bucket === undefined ? [] : Array.isArray(bucket) ? bucket : [bucket];
  };

  return {
    count: (type) => counts.get(type) ?? 0,
    match(type, value) {
      if (type === 'ipv4' || type === 'ipv6') {
        // Either IP type looks up the address's own family: `::ffff:192.0.2.1` is folded to IPv4.
        if ((counts.get('ipv4') ?? 0) + (counts.get('ipv6') ?? 0) === 0) return [];
        const address = parseAddress(value.trim());
        return address ? live(trie.lookup(address)) : [];
      }
      if ((counts.get(type) ?? 0) === 0) return [];
      if (type === 'domain') {
        const domain = normaliseDomain(value);
        if (!domain) return [];
        const found: Indicator[] = [];
        // example.com matches mail.example.com: walk up label by label (at most 127 labels).
        for (let d = domain; ; d = d.slice(d.indexOf('.') + 1)) {
          found.push(...lookup('domain', d));
          if (!d.includes('.')) break;
        }
        return live(found);
      }
      const normal = normaliseValue(type, value);
      return normal.ok ? live([...lookup(type, normal.value)]) : [];
    },
    toSnapshot: () => ({ version: 1, indicators: all }),
  };
}

/** Rebuilds a store from `toSnapshot()` output (e.g. inside a worker thread). */
export function createIndicatorStoreFromSnapshot(snapshot: IndicatorSnapshot, options: IndicatorStoreOptions = {}): IndicatorStore {
  return createIndicatorStore(snapshot.indicators, options);
}
