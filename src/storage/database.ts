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
  /** Sector (0018): government, foreign-affairs, trade, academia, high-tech, finance, health, energy, other; null when not configured. */
  sector: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** Lure fingerprint (0018): 16 hex digits of the subject and text's SimHash; null when too little text or logged before. */
  lure_simhash: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface MessageRecipientsTable {
  queue_id: string;
  organization_id: number;
  recipient: string;
  /** Lower-cased domain of `recipient`. */
  domain: string;
  status: RecipientStatus;
  /**
   * The message's `received_at`, copied (0012) so that "matches, newest first" is one index walk.
   * NOT NULL on PostgreSQL; nullable on SQLite (no ALTER to NOT NULL there), always written.
   */
  received_at: string;
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
  /**
   * The message's `received_at`, copied (0012) so that "matches, newest first" is one index walk.
   * NOT NULL on PostgreSQL; nullable on SQLite (no ALTER to NOT NULL there), always written.
   */
  received_at: string;
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
  /**
   * The message's `received_at`, copied (0012) so that "matches, newest first" is one index walk.
   * NOT NULL on PostgreSQL; nullable on SQLite (no ALTER to NOT NULL there), always written.
   */
  received_at: string;
}

/** Domains (registrable, lower-case) seen in mail: when first and last, and in how many messages. */
export interface SeenDomainsTable {
  domain: string;
  first_seen: string;
  last_seen: string;
  messages: number;
}

/** Who may do what in the admin UI and API (issue 7); the permissions of each live in `access/`. */
export type UserRole = 'admin' | 'analyst' | 'org-admin' | 'auditor';

export const USER_ROLES: readonly UserRole[] = ['admin', 'analyst', 'org-admin', 'auditor'];

/** A person who signs in (0013). Flags are integer 0/1 on both dialects. */
export interface UsersTable {
  id: Generated<number>;
  /** Lower-cased; unique. */
  username: string;
  password_hash: string;
  role: UserRole;
  /** The organization an `org-admin` is confined to; null for the roles that span organizations. */
  organization_id: number | null;
  totp_secret: string | null;
  totp_enabled: ColumnType<number, number | undefined, number>;
  disabled: ColumnType<number, number | undefined, number>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: string | null;
  last_login_at: string | null;
  password_changed_at: string;
  created_at: string;
}

/** A login session; keyed by the SHA-256 (hex) of the cookie value, which is never stored. */
export interface SessionsTable {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

/** An API token; only its hash is stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  /** The token's first characters, shown so that an operator can tell tokens apart. */
  prefix: string;
  /** JSON array of permission strings; null: the user's role. */
  scopes: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export type AuditActorKind = 'session' | 'token' | 'cli' | 'system';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** Append-only: rows are inserted, never updated. */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  /** A username, `cli` or `system`. */
  actor: string;
  actor_kind: AuditActorKind;
  /** `<resource>.<verb>`, e.g. `quarantine.release`. */
  action: string;
  target: string | null;
  organization_id: number | null;
  ip: string | null;
  outcome: AuditOutcome;
  /** JSON, bounded. */
  detail: string | null;
}

/** A database indicator (issue 7/8); the key is (type, value_sha256, source). Times are ISO text. */
export interface IndicatorsTable {
  id: Generated<number>;
  /** An intel indicator type (`sha256`, `domain`, ...). */
  type: string;
  /** Normalised as src/intel normalises it. */
  value: string;
  /** Hex SHA-256 of `value`: the unique key (a 2 KB value is too long for a PostgreSQL index entry). */
  value_sha256: string;
  source: string;
  confidence: number;
  severity: Severity;
  description: string | null;
  actor: string | null;
  campaign: string | null;
  first_seen: string;
  last_seen: string;
  /** Null: never expires; an expired row stays for the history. */
  expires_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

/** One row (id 1): bumped in the same transaction as every indicator change. */
export interface IndicatorGenerationTable {
  id: number;
  generation: number;
}

export type CampaignStatus = 'active' | 'merged';

export type CampaignEventKind = 'created' | 'renamed' | 'attributed' | 'merged' | 'split' | 'reclustered';

/** A group of messages that belong together (0018, issue 8). Flags are integer 0/1. */
export interface CampaignsTable {
  id: Generated<number>;
  name: string;
  actor: string | null;
  status: CampaignStatus;
  merged_into: number | null;
  /** The clustering's stable key (smallest queue id of its suspicious members); unique among active campaigns. */
  cluster_key: string;
  /** 1 when an analyst named it: reclustering keeps the name. */
  pinned_name: number;
  created_at: string;
  updated_at: string;
  first_seen: string;
  last_seen: string;
  messages: number;
  organizations: number;
}

/** A message in a campaign; a message is in at most one. */
export interface CampaignMembersTable {
  campaign_id: number;
  queue_id: string;
  organization_id: number;
  received_at: string;
  /** JSON array of MembershipEvidence. */
  evidence: string;
  /** 1 when an analyst put it here (merge, split): reclustering never moves it. */
  pinned: number;
  added_at: string;
}

/** A campaign's history. */
export interface CampaignEventsTable {
  id: Generated<number>;
  campaign_id: number;
  at: string;
  by: string;
  kind: CampaignEventKind;
  /** JSON, bounded. */
  detail: string | null;
}

/** Where a retro-hunt run came from (0017). */
export type HuntTrigger = 'import' | 'feed' | 'manual' | 'api' | 'cli';

/** One retro-hunt run (0017). */
export interface HuntRunsTable {
  id: Generated<number>;
  started_at: string;
  finished_at: string | null;
  trigger: HuntTrigger;
  requested_by: string;
  indicators: number;
  matches: number;
  messages: number;
  elapsed_ms: number | null;
  /** JSON summary (types not huntable, indicators cut at their limit); bounded. */
  detail: string | null;
  error: string | null;
}

/** A message a retro-hunt found; unique by (queue_id, indicator_type, indicator_sha256, matched_field). */
export interface HuntMatchesTable {
  id: Generated<number>;
  run_id: number;
  queue_id: string;
  organization_id: number;
  received_at: string;
  /** Null for an indicator from a configured file. */
  indicator_id: number | null;
  indicator_type: string;
  indicator_value: string;
  indicator_sha256: string;
  matched_field: string;
  matched_value: string;
  /** The message's action and status when found. */
  action: Action;
  status: MessageStatus;
  found_at: string;
}

/** The state of a configured TAXII feed (issue 8), keyed by its name; times are ISO text. */
export interface IntelFeedsTable {
  name: string;
  /** The X-TAXII-Date-Added-Last of the last page whose indicators were stored; the next poll asks for newer. */
  added_after: string | null;
  last_poll_at: string | null;
  last_success_at: string | null;
  /** `CODE: message` of the last failed poll; null after a success. */
  last_error: string | null;
  last_added: ColumnType<number, number | undefined, number>;
  last_updated: ColumnType<number, number | undefined, number>;
  /** The node polling the feed now, until `lease_until`. */
  lease_node: string | null;
  lease_until: string | null;
}

/** A periodic job one node runs for the cluster (0019): who runs it now, until when, and when it last ran. */
export interface JobLeasesTable {
  name: string;
  lease_node: string | null;
  lease_until: string | null;
  last_run_at: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
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
  indicators: IndicatorsTable;
  indicator_generation: IndicatorGenerationTable;
  intel_feeds: IntelFeedsTable;
  hunt_runs: HuntRunsTable;
  hunt_matches: HuntMatchesTable;
  campaigns: CampaignsTable;
  campaign_members: CampaignMembersTable;
  campaign_events: CampaignEventsTable;
  job_leases: JobLeasesTable;
}

/** Organization every row belongs to until multi-tenant routing assigns one. */
export const DEFAULT_ORGANIZATION_ID = 1;
