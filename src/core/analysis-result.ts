import type { Artifact } from './artifact.js';
import type { Finding } from './finding.js';

/** Header facts extracted during analysis, recorded in the message log. */
export interface MessageHeaders {
  readonly messageId?: string;
  readonly subject?: string;
  /** The From header, RFC 2047 decoded, as written (display name and address). */
  readonly from?: string;
  /** The first From mailbox's address, lower-cased domain as written (`ceo@bank.example`). */
  readonly fromAddress?: string;
  /** The first From mailbox's display name, RFC 2047 decoded; absent when it has none. Attacker text. */
  readonly fromName?: string;
  /** The first Reply-To mailbox's address; absent without a Reply-To. */
  readonly replyTo?: string;
  /** The first Reply-To mailbox's display name, RFC 2047 decoded; absent when it has none. Attacker text. */
  readonly replyToName?: string;
  readonly to?: string;
  readonly date?: string;
}

/** Everything the analysis pipeline learns about one message. */
export interface AnalysisResult {
  readonly headers: MessageHeaders;
  readonly artifacts: readonly Artifact[];
  readonly findings: readonly Finding[];
  /**
   * Distinct absolute http/https/ftp URLs found in text and HTML parts (archive members included),
   * normalised, in order of first appearance, at most 1,000. Empty when nothing was analysed.
   */
  readonly urls: readonly string[];
  /**
   * Token hashes for the Bayes classifier (src/spam): distinct FNV-1a hashes (8 hex digits) of header and
   * text tokens, headers first, at most 2,000. Absent when the message was not analysed.
   */
  readonly spamTokens?: readonly string[];
  /**
   * SimHash of the subject and the body text (text/plain and text/html MIME leaves, first 64 KiB), 16 hex
   * digits, for campaign clustering (src/core/simhash.ts). Absent when the text has fewer than 8 words or
   * the message was not analysed.
   */
  readonly lureFingerprint?: string;
  /** Wall time spent, milliseconds. */
  readonly elapsedMs: number;
}
