/**
 * What the indicator routes need (`app/` implements it over the indicator
 * store and `intel/`'s normalisers, which `web/` does not import): list,
 * add, import a feed (CSV, STIX 2.1, MISP, plain list) and expire installation-wide indicators. A change
 * is in force on this node when the call returns, and on the other nodes
 * within `intel.refreshSeconds`.
 */

/** A stored indicator as the API shows it. Times are ISO-8601 UTC. */
export interface IndicatorView {
  readonly id: number;
  readonly type: string;
  readonly value: string;
  readonly source: string;
  readonly confidence: number;
  readonly severity: string;
  readonly description?: string;
  readonly actor?: string;
  readonly campaign?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly expiresAt?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  /** Not expired now: the engines match it. */
  readonly active: boolean;
}

export interface IndicatorQuery {
  readonly type?: string;
  readonly source?: string;
  readonly search?: string;
  readonly active?: boolean;
  readonly limit?: number;
  readonly beforeId?: number;
}

/** One indicator as a client sends it; the value is normalised for its type before it is stored. */
export interface IndicatorSubmission {
  readonly type: string;
  readonly value: string;
  readonly source?: string;
  readonly confidence?: number;
  readonly severity?: string;
  readonly description?: string;
  readonly actor?: string;
  readonly campaign?: string;
  /** ISO 8601. */
  readonly expiresAt?: string;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** A refused indicator: `index` into the submitted list, or `line` of the CSV (1-based). */
export interface IndicatorRejection {
  readonly index?: number;
  readonly line?: number;
  readonly reason: string;
}

/** A part of a STIX bundle or MISP event not loaded: the object's id (STIX id, MISP attribute uuid) when it has one, and why. */
export interface FeedProblem {
  readonly object?: string;
  readonly reason: string;
}

/** The formats of an import: `csv` the indicator CSV, `stix` a STIX 2.1 bundle, `misp` MISP events, `list` one value per line. */
export type FeedFormat = 'csv' | 'stix' | 'misp' | 'list';

export interface FeedImportOptions {
  readonly by: string;
  /** Source of indicators that name none (STIX, MISP and lists: all of them). */
  readonly source?: string;
  readonly format: FeedFormat;
  /** Lists: the type of every value; else each value's type is inferred. */
  readonly listType?: string;
}

export interface IndicatorWriteResult {
  readonly added: number;
  readonly updated: number;
  readonly rejected: readonly IndicatorRejection[];
  /** True when there were more bad lines than are listed. */
  readonly rejectedTruncated?: boolean;
  /** STIX/MISP parts not loaded (at most 1,000). */
  readonly problems?: readonly FeedProblem[];
  /** True when there were more problems than are listed. */
  readonly problemsTruncated?: boolean;
  /** Why nothing was stored at all (no usable header, too many rows); the good rows are not stored either. */
  readonly refused?: string;
}

export interface IntelPort {
  list(query: IndicatorQuery): Promise<readonly IndicatorView[]>;
  /** Stores the valid submissions (new or updated) and lists the others; `by` is the writer's name. */
  add(submissions: readonly IndicatorSubmission[], by: string): Promise<IndicatorWriteResult>;
  /**
   * Parses a feed (intel/README.md), stores its good indicators in one transaction and lists what was not loaded:
   * CSV and list lines as `rejected`, STIX/MISP objects as `problems`. `input` is text, or for STIX/MISP the decoded JSON.
   */
  importFeed(input: unknown, options: FeedImportOptions): Promise<IndicatorWriteResult>;
  /** Retires an indicator (it stays listed, expired); undefined when there is none with this id. */
  expire(id: number): Promise<IndicatorView | undefined>;
}
