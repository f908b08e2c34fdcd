/**
 * Binary radix trie over IPv4 (32-bit) and IPv6 (128-bit) networks. A lookup
 * walks at most 32 or 128 nodes whatever the number of networks, and collects
 * every network on the path (any match, not longest prefix: each is a finding).
 */
import type { Network } from './ip.js';

interface Node<T> {
  zero?: Node<T>;
  one?: Node<T>;
  values?: T[];
}

export interface CidrTrie<T> {
  insert(network: Network, value: T): void;
  /** Values of every network that contains the address. */
  lookup(address: { family: 4 | 6; bytes: Uint8Array }): T[];
}

/** Creates an empty trie holding both families. */
export function createCidrTrie<T>(): CidrTrie<T> {
  const roots: Record<4 | 6, Node<T>> = { 4: {}, 6: {} };
  const bit = (bytes: Uint8Array, i: number): boolean => (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1;
  return {
    insert(network, value) {
      let node = roots[network.family];
      for (let i = 0; i < network.prefix; i++) {
        if (bit(network.bytes, i)) node = node.one ??= {};
        else node = node.zero ??= {};
      }
      (node.values ??= []).push(value);
    },
    lookup(address) {
      const out: T[] = [];
      const max = address.family === 4 ? 32 : 128;
      let node: Node<T> | undefined = roots[address.family];
      for (let i = 0; node; i++) {
        if (node.values) out.push(...node.values);
        if (i === max) break;
        node = bit(address.bytes, i) ? node.one : node.zero;
      }
      return out;
    },
  };
}
