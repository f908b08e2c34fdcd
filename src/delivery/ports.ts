/**
 * What the delivery runner needs from the rest of the gateway. Storage and
 * the spool implement these structurally; delivery imports neither.
 */
import type { Readable } from 'node:stream';
import type { Envelope, Verdict } from '../core/index.js';

/** One recipient of one spooled message, with its own delivery state. */
export interface QueueItem {
  readonly id: number;
  readonly queueId: string;
  readonly recipient: string;
  /** Lower-cased domain of `recipient`; selects the next hop. */
  readonly domain: string;
  readonly attempts: number;
  /** ISO time the message entered the queue (for max age). */
  readonly createdAt: string;
  readonly nextAttemptAt: string;
}

/**
 * What the runner cannot use right now, so `due()` need not read it: rows
 * already in flight, and rows whose route has no free slot. Lists are bounded
 * by the caller (in-flight rows by `delivery.concurrency`, domains by config).
 */
export interface DueFilter {
  /** Row ids already handed to a delivery. */
  readonly excludeIds?: readonly number[];
  /** Lower-case recipient domains to skip. */
  readonly excludeDomains?: readonly string[];
  /** When present, only rows of these lower-case domains (an empty list matches nothing). */
  readonly onlyDomains?: readonly string[];
}

export interface QueueStore {
  /** Pending rows whose next attempt is due, oldest first, without those `filter` rules out. */
  due(now: Date, limit: number, filter?: DueFilter): Promise<QueueItem[]>;
  markDelivered(ids: readonly number[], reply: string, now: Date): Promise<void>;
  /** Temporary failure: count the attempt and schedule the next one. */
  markDeferred(ids: readonly number[], reply: string, nextAttemptAt: Date, now: Date): Promise<void>;
  /** Permanent failure (or too old): final, a DSN has been queued. */
  markFailed(ids: readonly number[], reply: string, now: Date): Promise<void>;
  /** Rows of this message not yet final. */
  remaining(queueId: string): Promise<number>;
}

/** The durable record of an accepted message, written before `250`. */
export interface SpoolMeta {
  readonly queueId: string;
  readonly envelope: Envelope;
  readonly verdict: Verdict;
  /** CRLF-terminated header lines prepended on delivery (`Received:`, `X-Moat-*`). */
  readonly headerPrefix: string;
  /** Size in bytes and SHA-256 of the body file as received. */
  readonly size: number;
  readonly sha256: string;
  /** The spam tokeniser's hashes, kept with held messages so a release or confirm can train on them. */
  readonly spamTokens?: readonly string[];
}

/**
 * A recipient an attempt settled (delivered, or failed with its bounce
 * queued) while the queue could not record it (database lost). Kept beside
 * the spool entry, so the next attempt records the outcome instead of
 * sending again.
 */
export interface SettledRecipient {
  readonly recipient: string;
  readonly outcome: 'delivered' | 'failed';
  readonly reply: string;
  readonly target: string;
}

export interface SpoolReader {
  readMeta(queueId: string): Promise<SpoolMeta | undefined>;
  /** Recipients of the entry settled by an attempt whose bookkeeping failed; empty when none. */
  settled(queueId: string): readonly SettledRecipient[];
  /** Keeps settled recipients durably (fsynced) until the entry is removed. */
  recordSettled(queueId: string, settled: readonly SettledRecipient[]): Promise<void>;
  /** The message bytes exactly as received (dot-unstuffed DATA). */
  openBody(queueId: string): Readable;
  /** Drop the spool entry once no recipient is pending. */
  remove(queueId: string): Promise<void>;
}

/** Queues a locally generated message (a DSN) through spool and queue. */
export interface MessageInjector {
  inject(mailFrom: string, rcptTo: readonly string[], raw: Buffer): Promise<string>;
}

export type AttemptOutcome = 'delivered' | 'deferred' | 'failed';

export interface DeliveryAttempt {
  readonly queueId: string;
  readonly recipient: string;
  /** `maildir:<path>` or `smtp:<host>:<port>`. */
  readonly target: string;
  readonly outcome: AttemptOutcome;
  /** Remote reply or local error text. */
  readonly reply: string;
  readonly at: string;
  readonly durationMs: number;
}

export interface DeliveryLog {
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
}
