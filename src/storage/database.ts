/**
 * Kysely table interfaces: the one schema that SQLite and PostgreSQL share.
 * Timestamps are ISO-8601 UTC text (`Date#toISOString()`, always with
 * milliseconds and `Z`), so they compare and sort as text on both dialects.
 * JSON is stored as text.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Action, Severity } from '../core/index.js';

/** Life of a message in the log, from the SMTP reply to its last recipient. */
export type MessageStatus =
  | 'queued'
  | 'delivered'
  | 'partially-delivered'
  | 'bounced'
  | 'quarantined'
  | 'rejected'
  | 'deferred'
  | 'released'
  | 'deleted';

export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'queued',
  'delivered',
  'partially-delivered',
  'bounced',
  'quarantined',
  'rejected',
  'deferred',
  'released',
  'deleted',
];

/**
 * Per-recipient status in the message log. `pending`, `deferred` and
 * `quarantined` are open (a delivery may still happen); the rest are final.
 */
export type RecipientStatus = 'pending' | 'deferred' | 'delivered' | 'failed' | 'rejected' | 'quarantined';

export type QueueState = 'pending' | 'delivered' | 'failed';

export type QuarantineState = 'held' | 'released' | 'deleted';

export type AttemptOutcomeColumn = 'delivered' | 'deferred' | 'failed';

/** Tenants. Row 1 `default` is created by the first migration. */
export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  created_at: string;
  /** ISO 3166-1 alpha-2, upper case; null when not configured. */
  country: string | null;
}

export interface MessagesTable {
  queue_id: string;
  organization_id: number;
  node_id: string;
  session_id: string;
  received_at: string;
  /** Envelope sender as received; `''` is the null sender. */
  mail_from: string;
  /** Lower-cased domain of `mail_from` (`''` for the null sender), for domain searches. */
  sender_domain: string;
  helo: string;
  client_ip: string;
  client_port: number;
  client_rdns: string | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
  size: number;
  sha256: string;
  /** Message-ID without the surrounding angle brackets. */
  message_id: string | null;
  subject: string | null;
  header_from: string | null;
  action: Action;
  score: number;
  /** JSON array of strings. */
  reasons: string;
  policy_version: string;
  /** Sender authentication result words (`pass`, `fail`, `softfail`, `temperror`, ...); null when not checked. */
  auth_spf: string | null;
  auth_dkim: string | null;
  auth_dmarc: string | null;
  auth_arc: string | null;
  /** The trusted proxy the client came through (PROXY protocol or XCLIENT), and which. */
  proxy_ip: string | null;
  proxy_via: string | null;
  status: MessageStatus;
  elapsed_ms: number;
  updated_at: string;
}

export interface MessageRecipientsTable {
  queue_id: string;
  organization_id: number;
  recipient: string;
  /** Lower-cased domain of `recipient`. */
  domain: string;
  status: RecipientStatus;
}

export interface ArtifactsTable {
  id: Generated<number>;
  queue_id: string;
  organization_id: number;
  path: string;
  declared_name: string | null;
  declared_type: string;
  detected_type: string | null;
  detected_extension: string | null;
  disposition: 'inline' | 'attachment' | null;
  size: number;
  sha256: string;
}

export interface FindingsTable {
  id: Generated<number>;
  queue_id: string;
  organization_id: number;
  engine: string;
  symbol: string;
  score: number;
  severity: Severity;
  detail: string;
  artifact_path: string | null;
}

/** One row per recipient of a spooled message; owned by the node that spooled it. */
export interface QueueTable {
  id: Generated<number>;
  queue_id: string;
  organization_id: number;
  node_id: string;
  recipient: string;
  domain: string;
  state: QueueState;
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  last_reply: string | null;
  updated_at: string;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  queue_id: string;
  organization_id: number;
  recipient: string;
  target: string;
  outcome: AttemptOutcomeColumn;
  reply: string;
  at: string;
  duration_ms: number;
}

export interface QuarantineTable {
  queue_id: string;
  organization_id: number;
  /** SHA-256 of the stored body file; several entries may share one file. */
  sha256: string;
  size: number;
  quarantined_at: string;
  reason: string;
  state: QuarantineState;
  released_at: ColumnType<string | null, string | null | undefined, string | null>;
  released_by: ColumnType<string | null, string | null | undefined, string | null>;
  deleted_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A quarantined body, content-addressed; its bytes are in `quarantine_body_chunks`. */
export interface QuarantineBodiesTable {
  sha256: string;
  /** bigint: PostgreSQL returns it as a string. */
  size: ColumnType<number | string, number, number>;
  chunks: number;
  stored_at: string;
}

/** One piece of a body, in order of `seq` (0-based). */
export interface QuarantineBodyChunksTable {
  sha256: string;
  seq: number;
  data: Uint8Array;
}

/** The spool meta (envelope, verdict, header prefix) a release queues the body with. */
export interface QuarantineMetaTable {
  queue_id: string;
  /** JSON of `SpoolMeta`. */
  meta: string;
}

/** One imported policy document; the highest id is in force. Never updated. */
export interface PolicyRevisionsTable {
  id: Generated<number>;
  /** The validated document as JSON. */
  document: string;
  /** SHA-256 of `document`: an import of an unchanged document adds no revision. */
  sha256: string;
  /** Where it came from: a file path, `cli`, `api`. */
  source: string;
  comment: string | null;
  created_at: string;
}

/** A URL a message carried; one row per distinct URL per message. */
export interface MessageUrlsTable {
  id: Generated<number>;
  queue_id: string;
  organization_id: number;
  url: string;
  /** Host labels reversed (`com.example.mail`): a domain search is a range scan. */
  host_reversed: string;
}

/** Domains (registrable, lower-case) seen in mail: when first and last, and in how many messages. */
export interface SeenDomainsTable {
  domain: string;
  first_seen: string;
  last_seen: string;
  messages: number;
}

export interface Database {
  organizations: OrganizationsTable;
  policy_revisions: PolicyRevisionsTable;
  messages: MessagesTable;
  message_urls: MessageUrlsTable;
  message_recipients: MessageRecipientsTable;
  artifacts: ArtifactsTable;
  findings: FindingsTable;
  queue: QueueTable;
  delivery_attempts: DeliveryAttemptsTable;
  quarantine: QuarantineTable;
  quarantine_bodies: QuarantineBodiesTable;
  quarantine_body_chunks: QuarantineBodyChunksTable;
  quarantine_meta: QuarantineMetaTable;
  seen_domains: SeenDomainsTable;
}

/** Organization every row belongs to until multi-tenant routing assigns one. */
export const DEFAULT_ORGANIZATION_ID = 1;
