/**
 * Shared rate limits at MAIL FROM: per client address (IPv6 per /64: one
 * host can use a whole /64), per envelope sender and per sender domain,
 * fixed windows in SharedState so every node counts together. The null
 * sender (bounces) is counted only per address. This complements, not
 * replaces, the per-node connection limiter in src/smtp/rate-limiter.ts.
 */
import type { ReputationSettings } from '../config/sections/reputation.js';
import type { SmtpReply } from '../core/index.js';
import type { HitResult, SharedState } from '../state/index.js';
import { networkOf, senderDomainOf, type ClientAddress } from './addresses.js';
import { deriveKey, KEY_NAMESPACES } from './keys.js';
import { rateLimitReply, type RateLimitName } from './replies.js';

export interface RateDecision {
  readonly outcome: 'allowed' | 'limited';
  /** The first limit exceeded, in the order perIp, perSender, perSenderDomain. */
  readonly limit?: RateLimitName;
  readonly reply?: SmtpReply;
}

interface Counter {
  readonly name: RateLimitName;
  readonly key: string;
  readonly limit: { readonly count: number; readonly perSeconds: number };
}

/** The counters one transaction hits, with their keys. */
export function rateCounters(settings: ReputationSettings['rateLimits'], address: ClientAddress, mailFrom: string): Counter[] {
  const sender = mailFrom.trim().toLowerCase();
  const domain = senderDomainOf(sender);
  const counters: Counter[] = [];
  const client = address.family === 4 ? address.text : networkOf(address, 64);
  if (settings.perIp !== undefined) counters.push({ name: 'perIp', key: deriveKey(KEY_NAMESPACES.rateIp, client), limit: settings.perIp });
  if (sender !== '' && settings.perSender !== undefined) counters.push({ name: 'perSender', key: deriveKey(KEY_NAMESPACES.rateSender, sender), limit: settings.perSender });
  if (domain !== '' && settings.perSenderDomain !== undefined) {
    counters.push({ name: 'perSenderDomain', key: deriveKey(KEY_NAMESPACES.rateSenderDomain, domain), limit: settings.perSenderDomain });
  }
  return counters;
}

/** Counts one transaction; throws `STATE_UNAVAILABLE` for the caller's fail-open/closed rule. */
export async function checkRateLimits(state: SharedState, settings: ReputationSettings['rateLimits'], address: ClientAddress, mailFrom: string, now: () => number): Promise<RateDecision> {
  const counters = rateCounters(settings, address, mailFrom);
  const results: HitResult[] = await Promise.all(counters.map((c) => state.hit(c.key, c.limit.perSeconds * 1000, c.limit.count)));
  const over = results.findIndex((r) => !r.allowed);
  if (over < 0) return { outcome: 'allowed' };
  const counter = counters[over] as Counter;
  const retryIn = Math.ceil(((results[over] as HitResult).resetAt - now()) / 1000);
  return { outcome: 'limited', limit: counter.name, reply: rateLimitReply(counter.name, retryIn) };
}
