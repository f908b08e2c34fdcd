/**
 * Storage: the message log, delivery queue rows and quarantine index over
 * Kysely, on SQLite (embedded) or PostgreSQL (shared by several nodes)
 * through the same schema, migrations and queries.
 */
export type {
  Database,
  OrganizationsTable,
  PolicyRevisionsTable,
  MessagesTable,
  MessageRecipientsTable,
  MessageUrlsTable,
  ArtifactsTable,
  FindingsTable,
  QueueTable,
  DeliveryAttemptsTable,
  QuarantineTable,
  SeenDomainsTable,
  MessageStatus,
  RecipientStatus,
  QueueState,
  QuarantineState,
} from './database.js';
export { MESSAGE_STATUSES, DEFAULT_ORGANIZATION_ID } from './database.js';
export type { UserRole, AuditActorKind, AuditOutcome, UsersTable, SessionsTable, ApiTokensTable, AuditLogTable } from './database.js';
export type { IndicatorsTable, IndicatorGenerationTable, IntelFeedsTable } from './database.js';
export type { IndicatorInput, IndicatorRecord, IndicatorListOptions, IndicatorUpsertResult, IndicatorsStore } from './indicators-store.js';
export { createIndicatorsStore, MAX_UPSERT_ROWS } from './indicators-store.js';
export type { IntelFeedClaim, IntelFeedOutcome, IntelFeedState, IntelFeedsStore } from './intel-feeds-store.js';
export { createIntelFeedsStore } from './intel-feeds-store.js';
export type { JobLeases } from './job-leases.js';
export { createJobLeases } from './job-leases.js';
export { USER_ROLES } from './database.js';
export type { User, UserCreate, UserUpdate, UserListOptions, UserCountOptions, UsersStore } from './users-store.js';
export { createUsersStore, MAX_USERNAME_CHARS } from './users-store.js';
export type { Session, SessionCreate, SessionsStore } from './sessions-store.js';
export { createSessionsStore } from './sessions-store.js';
export type { ApiToken, ApiTokenSummary, ApiTokenCreate, ApiTokenListOptions, ApiTokensStore } from './api-tokens-store.js';
export { createApiTokensStore } from './api-tokens-store.js';
export type { AuditEntry, AuditAppend, AuditListOptions, AuditLog } from './audit-log.js';
export { createAuditLog } from './audit-log.js';
export type { Storage, SqliteStorageOptions } from './open-sqlite.js';
export { openSqliteStorage } from './open-sqlite.js';
export type { PostgresStorageOptions, PostgresTlsOptions } from './open-postgres.js';
export { openPostgresStorage } from './open-postgres.js';
export type { ChangeEvent, ChangeFeed, ChangeFeedState, ChangeListener, ChangeTopic } from './change-feed.js';
export { changeChannelName } from './change-feed.js';
export type { MigrateOptions } from './migrate.js';
export { migrateToLatest } from './migrate.js';
export type { AuthSummary, MessageLog, MessageLogOptions, RecordMessageEntry } from './message-log.js';
export { createMessageLog } from './message-log.js';
export type { MessageSearch, MessageSummary } from './message-search.js';
export type { MessageDetail, MessageRecipient } from './message-detail.js';
export type { SqlQueueStore, QueueRow, QueueListOptions, QueueStoreOptions } from './queue-store.js';
export { createQueueStore } from './queue-store.js';
export type { QuarantineIndex, QuarantineEntry, QuarantineAdd, QuarantineListOptions } from './quarantine-index.js';
export { createQuarantineIndex } from './quarantine-index.js';
export type { QuarantineContent } from './quarantine-content.js';
export { createQuarantineContent, QUARANTINE_CHUNK_BYTES } from './quarantine-content.js';
export type { PolicyRevision, PolicyStore } from './policy-store.js';
export type { SeenDomains } from './seen-domains.js';
export type { SqlBayesStore, BayesTables } from './bayes-store.js';
export { createSqlBayesStore } from './bayes-store.js';
export { createSeenDomains, MAX_DOMAINS_PER_MESSAGE } from './seen-domains.js';
export { createPolicyStore } from './policy-store.js';
export { listOrganizations, syncOrganizations } from './organizations.js';
export type { DashboardStats, DashboardWindow } from './dashboard.js';
export { readDashboard } from './dashboard.js';
export type { CampaignStatus, CampaignEventKind, CampaignsTable, CampaignMembersTable, CampaignEventsTable } from './database.js';
export type { CampaignMessageRow, ClusterInput, ClusterInputOptions } from './campaign-input.js';
export { readClusterInput, readCampaignMessages, DEFAULT_MAX_CLUSTER_MESSAGES } from './campaign-input.js';
export type { CampaignStore, CampaignRecord, CampaignListRow, CampaignMemberRecord, CampaignEventRecord, ClusterToSave, StoredEvidence, SaveClustersOptions, SaveClustersResult } from './campaign-store.js';
export { createCampaignStore, MAX_CAMPAIGN_NAME_CHARS, MAX_MERGE_SOURCES, MAX_SPLIT_MEMBERS } from './campaign-store.js';
export { expiredQuarantine, orphanedQuarantine, purgeMessages } from './retention.js';
export type { PurgeOptions } from './retention.js';
export type { HuntField, HuntIndicator, HuntMatch, HuntNetworks, HuntNotHuntable, HuntOptions, HuntResult } from './retro-hunt.js';
export { huntIndicators, MAX_LIMIT_PER_INDICATOR } from './retro-hunt.js';
export type { HuntRun, HuntStore, RecordedHuntMatch } from './hunt-store.js';
export { createHuntStore } from './hunt-store.js';
export type { HuntTrigger } from './database.js';
