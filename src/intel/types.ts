/**
 * Indicator-of-compromise data model. Indicators are plain, readonly,
 * serialisable objects: they cross to worker threads in a store snapshot.
 */
import type { Severity } from '../core/index.js';

export const INDICATOR_TYPES = ['sha256', 'sha1', 'md5', 'ipv4', 'ipv6', 'domain', 'email', 'url', 'subject', 'filename'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export interface Indicator {
  /** Normalised value (see normalise.ts); for ipv4/ipv6 an address or a CIDR `net/len`. */
  readonly value: string;
  readonly type: IndicatorType;
  /** Feed or list the indicator came from, e.g. `abuse.ch` or `blocklist.txt`. */
  readonly source: string;
  /** 0–100: how sure the source is. Scales the finding score. */
  readonly confidence: number;
  readonly severity: Severity;
  /** Epoch milliseconds after which the indicator never matches. */
  readonly expiresAt?: number;
  /** Epoch milliseconds. */
  readonly firstSeen?: number;
  readonly lastSeen?: number;
  /** Attribution, kept for the later STIX/MISP import. */
  readonly actor?: string;
  readonly campaign?: string;
  readonly description?: string;
}

/** One rejected input line: the loaders keep the good lines and report these. */
export interface LoadError {
  readonly file?: string;
  /** 1-based line number. */
  readonly line: number;
  readonly reason: string;
}

export interface LoadResult {
  readonly indicators: readonly Indicator[];
  readonly errors: readonly LoadError[];
}
