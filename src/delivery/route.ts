/**
 * Where mail for a recipient domain goes: the domain's next hop, the local
 * Maildir (an accepted domain without a next hop), or nowhere.
 */
import type { DomainConfig, NextHopConfig } from '../config/schema.js';

export type Route =
  | { readonly kind: 'smtp'; readonly key: string; readonly hop: NextHopConfig }
  | { readonly kind: 'maildir'; readonly key: 'maildir' }
  | { readonly kind: 'none'; readonly key: 'none' };

/**
 * Picks the route for `domain` (lower-case). `fallbackHop` (a smart host)
 * carries mail for domains we do not host, such as bounces to outside senders.
 */
export function resolveRoute(domain: string, domains: readonly DomainConfig[], fallbackHop?: NextHopConfig): Route {
  const wanted = domain.toLowerCase();
  const config = domains.find((d) => d.name.toLowerCase() === wanted);
  if (config) {
    if (config.nextHop) return { kind: 'smtp', key: `smtp:${config.nextHop.host}:${config.nextHop.port}`, hop: config.nextHop };
    return { kind: 'maildir', key: 'maildir' };
  }
  if (fallbackHop) return { kind: 'smtp', key: `smtp:${fallbackHop.host}:${fallbackHop.port}`, hop: fallbackHop };
  return { kind: 'none', key: 'none' };
}
