/**
 * What the trace and quarantine routes need from the message log and the
 * quarantine, as narrow ports (`app/` passes the real services). Records are
 * passed through to the client as JSON; the routes read only the fields
 * named here, chiefly the organization each belongs to.
 */

export interface MessageQuery {
  readonly sender?: string;
  readonly recipient?: string;
  readonly subject?: string;
  readonly queueId?: string;
  readonly messageId?: string;
  readonly sha256?: string;
  /** An attachment's (or archive member's) file name, whole, ignoring case. */
  readonly attachmentName?: string;
  readonly clientIp?: string;
  readonly urlDomain?: string;
  /** Only messages a retro-hunt found. */
  readonly hunted?: boolean;
  readonly since?: Date;
  readonly until?: Date;
  readonly action?: 'deliver' | 'tag' | 'quarantine' | 'reject' | 'defer';
  readonly status?: string;
  readonly organizationId?: number;
  readonly limit?: number;
}

/** A record of the log or the quarantine: sent to the client as it is; the routes read only these fields. */
export interface OwnedRecord {
  readonly organizationId: number;
  readonly queueId: string;
}

export interface MessageLogPort {
  search(query: MessageQuery): Promise<readonly OwnedRecord[]>;
  get(queueId: string): Promise<OwnedRecord | undefined>;
}

export interface QuarantinePort {
  list(options: { state?: 'held' | 'released' | 'deleted'; organizationId?: number; limit?: number }): Promise<readonly OwnedRecord[]>;
  /** The entry and the envelope and verdict it was held with. */
  show(queueId: string): Promise<{ readonly entry: OwnedRecord; readonly meta: { readonly envelope: unknown; readonly verdict: unknown } } | undefined>;
  release(queueId: string, by: string, recipients?: readonly string[]): Promise<readonly string[]>;
  /** Deletes a held message (no training). */
  delete(queueId: string): Promise<void>;
  /** Confirms a held message as junk (deleted, and the spam filter learns). */
  confirm(queueId: string): Promise<void>;
  /**
   * The held message as a file an analyst can take away without it opening by
   * itself: sealed in a password-protected ZIP, or defanged as plain text.
   */
  download(queueId: string, format: DownloadFormat): Promise<{ readonly fileName: string; readonly contentType: string; readonly body: Buffer } | undefined>;
}

export type DownloadFormat = 'zip' | 'defanged';

export interface MailPorts {
  readonly messages: MessageLogPort;
  readonly quarantine: QuarantinePort;
}
