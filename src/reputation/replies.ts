/**
 * The SMTP replies of greylisting and rate limits. Texts say what happened
 * and when to retry, so a sending operator can tell a greylist from a block.
 */
import type { SmtpReply } from '../core/index.js';

export type RateLimitName = 'perIp' | 'perSender' | 'perSenderDomain';

const RATE_SUBJECT: Readonly<Record<RateLimitName, string>> = {
  perIp: 'your address',
  perSender: 'this sender',
  perSenderDomain: "this sender's domain",
};

/** First attempt of a triplet, or a retry sooner than the minimum delay. */
export function greylistReply(retryInSeconds: number): SmtpReply {
  return {
    code: 451,
    enhanced: '4.7.1',
    message: `Greylisted: first delivery attempt from this sender to this recipient; please retry in ${Math.max(1, retryInSeconds)} seconds`,
  };
}

/** A rate limit is exceeded until its window ends. */
export function rateLimitReply(limit: RateLimitName, retryInSeconds: number): SmtpReply {
  return { code: 451, enhanced: '4.7.1', message: `Too many messages from ${RATE_SUBJECT[limit]}; try again in ${Math.max(1, retryInSeconds)} seconds` };
}

/** Shared state is down and the check is configured to fail closed. */
export const STATE_FAILURE_REPLY: SmtpReply = { code: 451, enhanced: '4.3.0', message: 'Temporary local problem; please try again later' };
