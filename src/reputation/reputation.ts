/**
 * The reputation and connection-policy service: one factory, one method per
 * SMTP stage. DNS lookups report findings (policy scores them); greylisting
 * and rate limits answer with a 4xx reply or nothing. Shared state failures
 * follow `onStateFailure`: `open` (default) lets the transaction go on,
 * because both checks only slow senders down and an outage of Redis must not
 * become an outage of mail while content analysis still runs; `closed`
 * defers with 451 4.3.0.
 */
import type { ReputationSettings } from '../config/sections/reputation.js';
import { MoatError, type Finding, type SmtpReply } from '../core/index.js';
import type { DnsResolver } from '../dns/index.js';
import { isStateUnavailable, type SharedState } from '../state/index.js';
import { buildNetworkSet, isNonGlobal, parseClientAddress, type ClientAddress } from './addresses.js';
import { checkAddressLists, checkDomainLists } from './dnsbl.js';
import { checkGreylist, type GreylistOutcome } from './greylist.js';
import { checkRateLimits } from './rate-limits.js';
import { checkReverseDns } from './rdns.js';
import { STATE_FAILURE_REPLY, type RateLimitName } from './replies.js';

export interface ReputationOptions {
  readonly state: SharedState;
  readonly resolver: DnsResolver;
  readonly settings: ReputationSettings;
  /** Clock (epoch ms); injected by tests. */
  readonly now?: () => number;
}

export interface ConnectionReputation {
  readonly findings: readonly Finding[];
  /** The forward-confirmed PTR name; absent when unverified, unknown or not asked. */
  readonly reverseName?: string;
}

/** `state-failed-*`: shared state was unavailable and `onStateFailure` decided. */
export type StateFailureOutcome = 'state-failed-open' | 'state-failed-closed';

export interface SenderCheck {
  readonly outcome: 'allowed' | 'limited' | 'exempt' | 'no-limits' | StateFailureOutcome;
  readonly limit?: RateLimitName;
  /** Send this (4xx) instead of accepting MAIL FROM. */
  readonly reply?: SmtpReply;
  /** The state error when the outcome is a state failure, for the caller's log. */
  readonly error?: MoatError;
}

export interface RecipientCheck {
  readonly outcome: GreylistOutcome | 'disabled' | 'exempt' | 'rdns-verified' | StateFailureOutcome;
  /** Send this (4xx) instead of accepting RCPT TO. */
  readonly reply?: SmtpReply;
  readonly error?: MoatError;
}

export interface Reputation {
  /** Once per connection: DNSBL (ip zones) and FCrDNS, concurrently, each within its deadline. */
  checkConnection(input: { readonly ip: string }): Promise<ConnectionReputation>;
  /** At MAIL FROM (`mailFrom` '' for the null sender): the shared rate limits. */
  checkSender(input: { readonly ip: string; readonly mailFrom: string }): Promise<SenderCheck>;
  /** At each RCPT TO: greylisting. `reverseVerified`: `checkConnection` returned a `reverseName`. */
  checkRecipient(input: { readonly ip: string; readonly mailFrom: string; readonly recipient: string; readonly reverseVerified: boolean }): Promise<RecipientCheck>;
  /** RHSBL (domain zones) for the sender domain and URL domains, within the deadline. */
  checkDomains(domains: readonly string[]): Promise<Finding[]>;
}

/** Builds the service; invalid exempt networks are a configuration error. */
export function createReputation(options: ReputationOptions): Reputation {
  const { state, resolver, settings } = options;
  const now = options.now ?? Date.now;
  const greyExempt = buildNetworkSet(settings.greylisting.exemptNetworks);
  const rateExempt = buildNetworkSet(settings.rateLimits.exemptNetworks);
  const invalid = [...greyExempt.invalid.map((n) => `reputation.greylisting.exemptNetworks: ${n}`), ...rateExempt.invalid.map((n) => `reputation.rateLimits.exemptNetworks: ${n}`)];
  if (invalid.length > 0) throw new MoatError('REPUTATION_CONFIG_INVALID', `not an address or CIDR network: ${invalid.join('; ')}`);
  const hasLimits = settings.rateLimits.perIp !== undefined || settings.rateLimits.perSender !== undefined || settings.rateLimits.perSenderDomain !== undefined;

  /** An unparseable client address is a caller bug: the SMTP layer always knows the peer. */
  const addressOf = (ip: string): ClientAddress => {
    const address = parseClientAddress(ip);
    if (address === undefined) throw new MoatError('REPUTATION_ADDRESS_INVALID', 'client address is not an IP address');
    return address;
  };

  /** Turns a state outage into the configured outcome; anything else propagates. */
  const onStateError = (error: unknown, mode: 'open' | 'closed'): { outcome: StateFailureOutcome; reply?: SmtpReply; error: MoatError } => {
    if (!isStateUnavailable(error)) throw error;
    return mode === 'open' ? { outcome: 'state-failed-open', error } : { outcome: 'state-failed-closed', reply: STATE_FAILURE_REPLY, error };
  };

  return {
    async checkConnection({ ip }) {
      const address = addressOf(ip);
      if (isNonGlobal(address)) return { findings: [] };
      const [listed, reverse] = await Promise.all([
        checkAddressLists(resolver, settings.dnsbl, address),
        settings.rdns.enabled ? checkReverseDns(resolver, settings.rdns, address) : Promise.resolve({ findings: [] }),
      ]);
      const findings = [...listed, ...reverse.findings];
      return 'reverseName' in reverse && reverse.reverseName !== undefined ? { findings, reverseName: reverse.reverseName } : { findings };
    },

    async checkSender({ ip, mailFrom }) {
      if (!hasLimits) return { outcome: 'no-limits' };
      const address = addressOf(ip);
      if (rateExempt.set.lookup(address).length > 0) return { outcome: 'exempt' };
      try {
        return await checkRateLimits(state, settings.rateLimits, address, mailFrom, now);
      } catch (error) {
        return onStateError(error, settings.rateLimits.onStateFailure);
      }
    },

    async checkRecipient({ ip, mailFrom, recipient, reverseVerified }) {
      const grey = settings.greylisting;
      if (!grey.enabled) return { outcome: 'disabled' };
      const address = addressOf(ip);
      if (greyExempt.set.lookup(address).length > 0) return { outcome: 'exempt' };
      if (grey.skipVerifiedRdns && reverseVerified) return { outcome: 'rdns-verified' };
      try {
        return await checkGreylist(state, grey, { address, mailFrom, recipient }, now);
      } catch (error) {
        return onStateError(error, grey.onStateFailure);
      }
    },

    checkDomains: (domains) => checkDomainLists(resolver, settings.dnsbl, domains),
  };
}
