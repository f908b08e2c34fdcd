/**
 * A set of networks (addresses or CIDR text) answering "is this address in
 * one of them" through the CIDR trie: trusted proxies, exempt networks.
 */
import { createCidrTrie, type CidrTrie } from './cidr-trie.js';
import { parseAddress, parseNetwork } from './ip.js';

export interface NetworkSet {
  /** The trie itself, for callers that look up parsed addresses. */
  readonly set: CidrTrie<true>;
  /** Entries that are neither an address nor a CIDR network: report them, never skip silently. */
  readonly invalid: readonly string[];
  /** True when `address` (IPv4, IPv6, IPv4-mapped IPv6) is in one of the networks. */
  contains(address: string): boolean;
}

export function buildNetworkSet(networks: readonly string[]): NetworkSet {
  const set = createCidrTrie<true>();
  const invalid: string[] = [];
  for (const text of networks) {
    const network = parseNetwork(text.trim());
    if (network === undefined) invalid.push(text);
    else set.insert(network, true);
  }
  return {
    set,
    invalid,
    contains(address) {
      const parsed = parseAddress(address.trim());
      return parsed !== undefined && set.lookup(parsed).length > 0;
    },
  };
}
