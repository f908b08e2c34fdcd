/** Resource limits of one analysis run; every hostile input is bounded by one of these. */
import type { ExpansionLimits } from './dissect/budget.js';

export type { ExpansionLimits } from './dissect/budget.js';

export interface AnalysisLimits {
  /** Largest message analysed at all; the SMTP SIZE limit should already keep bigger ones out. */
  readonly maxMessageBytes: number;
  /** MIME entities (containers and leaves, nested messages included) before parsing stops. */
  readonly maxMimeParts: number;
  /** Nesting depth (multipart and message/rfc822 levels) before parsing stops. */
  readonly maxMimeDepth: number;
  /**
   * Archive and document expansion budget of one message (analysis.expansion).
   * Absent: DEFAULT_EXPANSION_LIMITS, so a caller that predates it is still bounded.
   */
  readonly expansion?: ExpansionLimits;
}

/**
 * The shipped defaults of analysis.expansion (config/default.yaml repeats them
 * with the reasons). Member content lives in the worker's memory as Buffers,
 * which V8's heap limit does not count, so maxTotalBytes is what bounds it.
 */
export const DEFAULT_EXPANSION_LIMITS: ExpansionLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
  maxDepth: 10,
  maxRatio: 250,
  maxMemberBytes: 128 * 1024 * 1024,
};

import type { IntelSources } from '../intel/index.js';
import type { YaraRuleSnapshot } from './engines/yara/index.js';
import type { LinkSettings, ProtectedPerson } from './links/index.js';

/**
 * Settings of the engines that need more than code (a socket, a rule
 * directory, indicator files). Serialisable: it travels with every task, and
 * each worker builds (and caches) its engines from it.
 */
export interface EngineSettings {
  readonly clamav?: {
    /** clamd's Unix socket; wins over host and port when set. */
    readonly socketPath?: string;
    readonly host: string;
    readonly port: number;
    readonly timeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly maxStreamBytes: number;
    readonly members?: 'uncovered' | 'all';
  };
  /** Indicator files and hash lists; each worker loads its own store from them once. */
  readonly intel?: IntelSources;
  /** Rule sources with their generation; a worker compiles each generation once. */
  readonly yara?: {
    readonly rules: YaraRuleSnapshot;
    readonly maxMatchesPerArtifact: number;
    readonly maxScanBytes: number;
  };
  /** Protected domains, brands and people for the links and impersonation pass (links/); absent: the pass does not run. */
  readonly links?: LinkSettings;
}

/** The task message the pool posts to a worker (src/workers/analysis-worker.ts). */
export interface AnalysisTask {
  /** Absolute path of the spooled message file. */
  readonly path: string;
  readonly limits: AnalysisLimits;
  readonly engines?: EngineSettings;
  /** Engines the recipients' policy switched off: not run at all (no cost, no dependency on them). */
  readonly skipEngines?: readonly string[];
  /** Protected people of the recipients' policy, added to `engines.links.vips` for this message only. */
  readonly vips?: readonly ProtectedPerson[];
}
