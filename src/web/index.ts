/** The HTTP endpoint: probes, metrics, the OpenAPI description and the admin API. */
export { apiRoutes, createHttpServer, HEALTH_TIMEOUT_MS } from './http-server.js';
export type { AccessOptions, HttpServerOptions, HealthReport, HealthCheckResult, ReloadReport } from './http-server.js';
export type { ApiRoute, RouteAuth, HttpMethod } from './api-route.js';
export { HttpError } from './api-route.js';
export type { AccessPorts, UserStorePort, SessionStorePort, ApiTokenStorePort, AuditLogPort, AuditEntry, UserRecord } from './access-ports.js';
export type { SessionSettings } from './authenticate.js';
export { SESSION_COOKIE, CSRF_HEADER } from './authenticate.js';
export type { LoginSettings } from './api/session.js';
export type { MailPorts, MessageLogPort, QuarantinePort, MessageQuery, OwnedRecord } from './mail-ports.js';
export type { PolicyPort, OrganizationRecord, PolicyDocumentShape, PolicyRevisionRecord, PolicyRefusal } from './policy-ports.js';
export type { DashboardPort, DashboardFigures } from './dashboard-ports.js';
export type { PreviewPort, PreviewShape } from './preview-ports.js';
export type { FeedFormat, FeedImportOptions, FeedProblem, IntelPort, IndicatorView, IndicatorQuery, IndicatorSubmission, IndicatorRejection, IndicatorWriteResult } from './intel-ports.js';
export type { FeedPollView, FeedStatusView, FeedsPort } from './feeds-ports.js';
export type { HuntPort, HuntRunView, HuntRunDetailView, HuntOrganizationView, HuntMessageView, MessageHuntMatchView } from './hunt-ports.js';
export type { CampaignPort, CampaignView, CampaignSummaryView, CampaignDetailView, CampaignMemberView, CampaignEvidenceView, ReclusterView } from './campaign-ports.js';
