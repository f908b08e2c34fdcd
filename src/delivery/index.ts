/**
 * Delivery: relays accepted mail to each domain's next hop or into the local
 * Maildir, with per-recipient retries, bounces (DSN) and the queue runner.
 */
export type {
  AttemptOutcome,
  DeliveryAttempt,
  DueFilter,
  DeliveryLog,
  MessageInjector,
  QueueItem,
  QueueStore,
  SpoolMeta,
  SpoolReader,
  SettledRecipient,
} from './ports.js';
export { buildReceivedHeader } from './received-header.js';
export type { ReceivedHeaderOptions } from './received-header.js';
export { createMessageTransform, DEFAULT_MAX_HEADER_BYTES } from './message-transform.js';
export type { MessageTransformOptions } from './message-transform.js';
export { deliverToMaildir, maildirPathFor, toSafeSegment } from './maildir.js';
export type { MaildirDeliveryOptions } from './maildir.js';
export { deliverToNextHop } from './relay.js';
export type { NextHopDeliveryOptions, RelayAccepted, RelayRejected, RelayResult } from './relay.js';
export { createSessionPool } from './session-pool.js';
export type { SessionPool, SessionPoolOptions, SmtpSession } from './session-pool.js';
export { buildDsn } from './dsn.js';
export type { DsnAction, DsnOptions, DsnRecipient } from './dsn.js';
export { retryDelay } from './retry.js';
export type { RetrySchedule } from './retry.js';
export { classifyReply, parseReplyCodes, DEFAULT_REPLY_RULES } from './classify.js';
export type { ReplyClass, ReplyRule } from './classify.js';
export { findHeaderEnd, readHeaderBlock } from './header-block.js';
export { formatRfc5322Date } from './rfc5322-date.js';
export { resolveRoute } from './route.js';
export type { Route } from './route.js';
export { createDeliveryRunner } from './runner.js';
export type { DeliveryRunner, DeliveryRunnerOptions } from './runner.js';
