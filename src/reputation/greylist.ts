/**
 * Greylisting at RCPT TO. The triplet is (client network: /24 IPv4, /64
 * IPv6, so a sender's pool of outbound servers counts as one; envelope
 * sender lower-cased; recipient lower-cased). First attempt: defer. A retry
 * at least `minDelaySeconds` and at most `windowHours` after the first
 * passes, and the triplet passes for `passTtlDays` after that. Once
 * `autoWhitelistAfter` triplets from one network + sender domain have passed,
 * that pair skips greylisting for `passTtlDays`.
 *
 * Keys (see keys.ts): `gl:t:<net>|<sender>|<rcpt>` = first-seen epoch ms
 * (TTL window); `gl:p:<triplet>` passed (TTL passTtlDays, renewed on use);
 * `gl:n:<net>|<domain>` passed-triplet count; `gl:w:<net>|<domain>` whitelisted.
 * First-seen times come from the nodes' clocks, which must agree to within
 * a small fraction of `minDelaySeconds` (NTP).
 */
import type { ReputationSettings } from '../config/sections/reputation.js';
import type { SmtpReply } from '../core/index.js';
import type { SharedState } from '../state/index.js';
import { clientNetwork, senderDomainOf, type ClientAddress } from './addresses.js';
import { deriveKey, KEY_NAMESPACES } from './keys.js';
import { greylistReply } from './replies.js';

export type GreylistOutcome = 'whitelisted' | 'passed' | 'passed-retry' | 'deferred-new' | 'deferred-early';

export interface GreylistDecision {
  readonly outcome: GreylistOutcome;
  readonly reply?: SmtpReply;
}

export interface GreylistInput {
  readonly address: ClientAddress;
  readonly mailFrom: string;
  readonly recipient: string;
}

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The keys of one triplet and of its network + sender-domain pair. */
export function greylistKeys(input: GreylistInput): { pending: string; passed: string; passCount: string; whitelist: string } {
  const net = clientNetwork(input.address);
  const sender = input.mailFrom.trim().toLowerCase();
  const recipient = input.recipient.trim().toLowerCase();
  const domain = senderDomainOf(sender);
  return {
    pending: deriveKey(KEY_NAMESPACES.greyPending, net, sender, recipient),
    passed: deriveKey(KEY_NAMESPACES.greyPassed, net, sender, recipient),
    passCount: deriveKey(KEY_NAMESPACES.greyPassCount, net, domain),
    whitelist: deriveKey(KEY_NAMESPACES.greyWhitelist, net, domain),
  };
}

/** Decides one recipient; throws `STATE_UNAVAILABLE` for the caller's fail-open/closed rule. */
export async function checkGreylist(state: SharedState, settings: ReputationSettings['greylisting'], input: GreylistInput, now: () => number): Promise<GreylistDecision> {
  const keys = greylistKeys(input);
  const passTtlMs = settings.passTtlDays * DAY_MS;
  const [whitelisted, passed] = await Promise.all([state.get(keys.whitelist), state.get(keys.passed)]);
  if (whitelisted !== undefined) return { outcome: 'whitelisted' };
  if (passed !== undefined) {
    // Renewed on use: a correspondent who keeps writing is never greylisted again.
    await state.set(keys.passed, '1', passTtlMs);
    return { outcome: 'passed' };
  }
  const at = now();
  const minDelayMs = settings.minDelaySeconds * 1000;
  if (await state.setIfAbsent(keys.pending, String(at), settings.windowHours * HOUR_MS)) {
    return { outcome: 'deferred-new', reply: greylistReply(settings.minDelaySeconds) };
  }
  const firstSeen = Number(await state.get(keys.pending));
  // Expired between the two calls (or garbage): this attempt starts a new window.
  if (!Number.isFinite(firstSeen)) {
    await state.set(keys.pending, String(at), settings.windowHours * HOUR_MS);
    return { outcome: 'deferred-new', reply: greylistReply(settings.minDelaySeconds) };
  }
  if (at - firstSeen < minDelayMs) return { outcome: 'deferred-early', reply: greylistReply(Math.ceil((firstSeen + minDelayMs - at) / 1000)) };
  await state.set(keys.passed, '1', passTtlMs);
  await state.delete(keys.pending);
  if (settings.autoWhitelistAfter > 0) {
    const count = await state.incr(keys.passCount, passTtlMs);
    if (count >= settings.autoWhitelistAfter) await state.set(keys.whitelist, String(at), passTtlMs);
  }
  return { outcome: 'passed-retry' };
}
