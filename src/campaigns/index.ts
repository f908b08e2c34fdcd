/**
 * Campaigns (Moat issue 8): clustering logged messages into campaigns across organizations, the
 * campaign report (regions, countries, timeline, indicators) and its CSV and STIX 2.1 exports. Pure:
 * imports only core; storage, app and web feed it and serve its output. README.md has the contract.
 */
export type { CampaignCluster, CampaignMessage, ClusterOptions, EvidenceKind, MembershipEvidence } from './cluster.js';
export { clusterCampaigns, DEFAULT_COMMON_DOMAINS } from './cluster.js';
export type { DetectionFinding } from './detections.js';
export { detectionLabel, detectionLabels, EXPLOIT_SYMBOLS } from './detections.js';
export { heloKey, isPublicAddress, senderNetwork } from './infrastructure.js';
export type { CountryInfo, Region } from './regions.js';
export { countryInfo, countryName, listCountryCodes, regionOfCountry, REGIONS } from './regions.js';
export type { CampaignReport, CampaignReportInput, IndicatorSighting, IndicatorType, Outcome, ReportIndicator, ReportMessage } from './report.js';
export { buildCampaignReport, outcomeOf } from './report.js';
export { campaignReportCsv, csvCell } from './export-csv.js';
export type { StixExportOptions } from './export-stix.js';
export { campaignReportStix, stixId, stixPattern } from './export-stix.js';
