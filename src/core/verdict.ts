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

/** An attachment the verdict removes from the delivered copy (the original stays in quarantine). */
export interface StrippedPart {
  /** MIME part path, as in `Artifact.path` (never an archive member: the whole attachment goes). */
  readonly part: string;
  /** Declared file name, escaped for display. */
  readonly name?: string;
  /** Declared or detected type, for the notice. */
  readonly type: string;
  readonly reason: string;
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
  /** "External sender" Subject banner for a delivered or tagged message from outside. */
  readonly externalPrefix?: string;
  /** Identifies the policy that decided (`r<revision>-<settings hash>`), for later explanation. */
  readonly policyVersion: string;
  /** Deliver/tag with these attachments replaced by `stripNotice` (policy stripAttachments). */
  readonly strip?: readonly StrippedPart[];
  /** Notice template for stripped parts; `{name}`, `{type}`, `{reason}` are filled in. */
  readonly stripNotice?: string;
}
