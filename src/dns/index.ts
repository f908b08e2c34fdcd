export { createDnsResolver, reverseName } from './resolver.js';
export type { DnsResolver, DnsResolverOptions, RecordType, ResolveFunction } from './resolver.js';
export { createTtlCache } from './ttl-cache.js';
export type { TtlCache } from './ttl-cache.js';
