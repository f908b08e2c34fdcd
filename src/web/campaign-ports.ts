/**
 * What the campaign routes need (`app/` implements it over the campaign store
 * and `campaigns/`, which `web/` does not import): list, read with the report,
 * export, and the analyst's changes (rename, attribute, merge, split,
 * recluster). Errors: a MoatError `CAMPAIGN_NOT_FOUND` (404) or
 * `CAMPAIGN_INVALID` (400). Shapes: docs of the campaign contract (issue 8).
 */

export interface CampaignView {
  readonly id: number;
  readonly name: string;
  readonly actor?: string;
  readonly status: 'active' | 'merged';
  readonly mergedInto?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CampaignSummaryView {
  readonly id: number;
  readonly name: string;
  readonly actor?: string;
  readonly status: 'active' | 'merged';
  readonly messages: number;
  readonly organizations: number;
  readonly countries: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly delivered: number;
  readonly blocked: number;
  readonly updatedAt: string;
}

export interface CampaignEvidenceView {
  readonly kind: string;
  readonly key: string;
  readonly withQueueId: string;
  readonly detail: string;
}

export interface CampaignMemberView {
  readonly queueId: string;
  /** The organization's name. */
  readonly organization: string;
  readonly receivedAt: string;
  readonly subject?: string;
  readonly action: string;
  readonly status: string;
  readonly evidence: readonly CampaignEvidenceView[];
}

export interface CampaignDetailView {
  readonly campaign: CampaignView;
  /** `campaigns/`' CampaignReport (JSON). */
  readonly report: object;
  readonly members: readonly CampaignMemberView[];
}

export interface ReclusterView {
  readonly campaigns: number;
  readonly members: number;
  readonly elapsedMs: number;
}

export interface CampaignPort {
  list(query: { readonly limit: number; readonly beforeId?: number }): Promise<readonly CampaignSummaryView[]>;
  detail(id: number): Promise<CampaignDetailView | undefined>;
  exportCsv(id: number): Promise<string | undefined>;
  exportStix(id: number): Promise<object | undefined>;
  /** Renames and/or attributes (an empty actor clears it); undefined when there is no such campaign. */
  update(id: number, change: { readonly name?: string; readonly actor?: string }, by: string): Promise<CampaignView | undefined>;
  merge(into: number, from: readonly number[], by: string): Promise<CampaignView>;
  split(id: number, queueIds: readonly string[], options: { readonly name?: string; readonly by: string }): Promise<CampaignView>;
  recluster(by: string): Promise<ReclusterView>;
}
