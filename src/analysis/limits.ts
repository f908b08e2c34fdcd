/** Resource limits of one analysis run; every hostile input is bounded by one of these. */
export interface AnalysisLimits {
  /** Largest message analysed at all; the SMTP SIZE limit should already keep bigger ones out. */
  readonly maxMessageBytes: number;
  /** MIME entities (containers and leaves, nested messages included) before parsing stops. */
  readonly maxMimeParts: number;
  /** Nesting depth (multipart and message/rfc822 levels) before parsing stops. */
  readonly maxMimeDepth: number;
}

/** The task message the pool posts to a worker (src/workers/analysis-worker.ts). */
export interface AnalysisTask {
  /** Absolute path of the spooled message file. */
  readonly path: string;
  readonly limits: AnalysisLimits;
}
