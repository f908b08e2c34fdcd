/**
 * The campaign API's JSON shapes as the UI reads them (src/web/api/campaigns.ts,
 * the report built by src/campaigns/). Every string in them is mail-derived
 * or analyst-typed text and is rendered as text.
 */

export type Region = 'Americas' | 'EMEA' | 'APAC';

/** The regions in the order every chart and table shows them. */
export const REGIONS: readonly Region[] = ['Americas', 'EMEA', 'APAC'];

/** One row of GET /api/v1/campaigns. */
export interface CampaignSummary {
  readonly id: number;
  readonly name: string;
  readonly actor?: string;
  readonly status: string;
  readonly messages: number;
  readonly organizations: number;
  readonly countries: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly delivered: number;
  readonly blocked: number;
  readonly updatedAt: string;
}

export interface Campaign {
  readonly id: number;
  readonly name: string;
  readonly actor?: string;
  readonly status: string;
  readonly mergedInto?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TimelineDay {
  readonly day: string;
  readonly messages: number;
  readonly delivered: number;
  readonly blocked: number;
}

export interface CampaignTimeline {
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly days: readonly TimelineDay[];
  readonly peaks: ReadonlyArray<{ readonly day: string; readonly messages: number }>;
}

export interface CountryRow {
  readonly country: string;
  readonly name: string;
  readonly numeric: string;
  readonly region: Region;
  readonly organizations: number;
  readonly messages: number;
}

export interface RegionShare {
  readonly region: Region;
  readonly organizations: number;
  /** organizations in the region / organizations with a known country, 0..1. */
  readonly share: number;
}

export interface OrganizationRow {
  readonly id: number;
  readonly name: string;
  readonly country?: string;
  readonly region?: Region;
  readonly messages: number;
  readonly recipients: number;
  readonly delivered: number;
  readonly blocked: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface CampaignReport {
  readonly totals: { readonly messages: number; readonly organizations: number; readonly recipients: number; readonly countries: number; readonly delivered: number; readonly blocked: number };
  readonly organizations: readonly OrganizationRow[];
  readonly countries: readonly CountryRow[];
  readonly regions: readonly RegionShare[];
  readonly unknownCountryOrganizations: number;
  /** Organizations hit by sector (configuration `organizations[].sector`); organizations without one are not counted. */
  readonly sectors: ReadonlyArray<{ readonly sector: string; readonly organizations: number; readonly messages: number }>;
  readonly senderCountries: ReadonlyArray<{ readonly country: string; readonly name: string; readonly messages: number }>;
  readonly timeline: CampaignTimeline;
  readonly lures: ReadonlyArray<{ readonly subject: string; readonly messages: number }>;
  readonly attachmentTypes: ReadonlyArray<{ readonly type: string; readonly messages: number }>;
  readonly findings: ReadonlyArray<{ readonly symbol: string; readonly messages: number }>;
  readonly indicators: ReadonlyArray<{ readonly type: string; readonly value: string; readonly messages: number }>;
}

export interface MembershipEvidence {
  readonly kind: string;
  readonly key: string;
  readonly withQueueId: string;
  readonly detail: string;
}

export interface CampaignMember {
  readonly queueId: string;
  /** The organization's name (or its id, should the API send one). */
  readonly organization: string | number;
  readonly receivedAt: string;
  readonly subject?: string;
  readonly action: string;
  readonly status: string;
  readonly evidence: readonly MembershipEvidence[];
}

/** GET /api/v1/campaigns/:id. */
export interface CampaignDetail {
  readonly campaign: Campaign;
  readonly report: CampaignReport;
  readonly members: readonly CampaignMember[];
}

/** A share (0..1) as a percentage with one decimal: display only, the API keeps the exact fraction. */
export function formatShare(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

/** The API path of campaign `id` (a number, so nothing to escape, but encoded all the same). */
export function campaignPath(id: number): string {
  return `/api/v1/campaigns/${encodeURIComponent(String(id))}`;
}
