/**
 * Sender list matching. Patterns (already lower-cased by the schema):
 * `user@example.com` — that address; `example.com` — any address at that
 * domain; `*.example.com` — that domain and every subdomain.
 */
import { parseAddress } from '../config/index.js';

/** True when `address` matches any pattern. */
export function senderMatches(patterns: readonly string[], address: string): boolean {
  if (patterns.length === 0) return false;
  const parsed = parseAddress(address);
  if (parsed === undefined) return false;
  const full = `${parsed.local}@${parsed.domain}`;
  for (const pattern of patterns) {
    if (pattern.includes('@')) {
      if (pattern === full) return true;
    } else if (pattern.startsWith('*.')) {
      const base = pattern.slice(2);
      if (parsed.domain === base || parsed.domain.endsWith(`.${base}`)) return true;
    } else if (parsed.domain === pattern) {
      return true;
    }
  }
  return false;
}
