/**
 * The outcome of policy for one message. `reasons` explain it in the order
 * they mattered; every action is explainable from the findings behind it.
 */

export type Action = 'deliver' | 'tag' | 'quarantine' | 'reject' | 'defer';

export const ACTIONS: readonly Action[] = ['deliver', 'tag', 'quarantine', 'reject', 'defer'];

export interface SmtpReply {
  readonly code: number;
  /** Enhanced status code (RFC 3463), e.g. `5.7.1`. */
  readonly enhanced: string;
  readonly message: string;
}

export interface Verdict {
  readonly action: Action;
  readonly score: number;
  /** One line per finding or rule that drove the action. */
  readonly reasons: readonly string[];
  /** Reply to send for reject/defer; absent otherwise. */
  readonly reply?: SmtpReply;
  /** Subject prefix to add when `action` is `tag` and one is configured. */
  readonly subjectPrefix?: string;
  /** Identifies the policy that decided (config hash), for later explanation. */
  readonly policyVersion: string;
}
