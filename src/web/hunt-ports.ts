/**
 * What the retro-hunt routes need (`app/` implements it over the hunt store
 * and the retro-hunt service): the runs, one run with what it found per
 * organization, and a hunt started on demand.
 */

/** A hunt run as the API shows it. Times are ISO-8601 UTC. */
export interface HuntRunView {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly trigger: string;
  readonly requestedBy: string;
  readonly indicators: number;
  readonly matches: number;
  readonly messages: number;
  readonly elapsedMs?: number;
  readonly error?: string;
}

/** One message a run found, as listed per organization. */
export interface HuntMessageView {
  readonly queueId: string;
  readonly receivedAt: string;
  readonly status: string;
  readonly action: string;
  readonly indicators: readonly { readonly type: string; readonly value: string; readonly field: string }[];
}

export interface HuntOrganizationView {
  readonly organizationId: number;
  readonly name: string;
  /** In mailboxes or on its way there: to be pulled. */
  readonly delivered: readonly HuntMessageView[];
  readonly blocked: readonly HuntMessageView[];
}

export interface HuntRunDetailView {
  readonly run: HuntRunView;
  /** The run's summary (window, not huntable types, indicators cut at their limit). */
  readonly summary?: unknown;
  /** The messages this run recorded first, by organization, delivered first. */
  readonly organizations: readonly HuntOrganizationView[];
}

/** A match recorded against a message, for the message page. */
export interface MessageHuntMatchView {
  readonly runId: number;
  readonly indicatorType: string;
  readonly indicatorValue: string;
  readonly matchedField: string;
  readonly foundAt: string;
}

export interface HuntPort {
  /** Newest first. */
  list(options: { limit?: number; beforeId?: number }): Promise<readonly HuntRunView[]>;
  get(id: number): Promise<HuntRunDetailView | undefined>;
  /** Runs a hunt (queued behind a running one) and answers with its summary; without ids, every active indicator. */
  run(request: { indicatorIds?: readonly number[]; since?: Date }, by: string): Promise<unknown>;
}
