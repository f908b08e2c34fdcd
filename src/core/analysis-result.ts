import type { Artifact } from './artifact.js';
import type { Finding } from './finding.js';

/** Header facts extracted during analysis, recorded in the message log. */
export interface MessageHeaders {
  readonly messageId?: string;
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  readonly date?: string;
}

/** Everything the analysis pipeline learns about one message. */
export interface AnalysisResult {
  readonly headers: MessageHeaders;
  readonly artifacts: readonly Artifact[];
  readonly findings: readonly Finding[];
  /**
   * Distinct absolute http/https/ftp URLs found in text and HTML parts (archive members included),
   * normalised, in order of first appearance, at most 1,000. Empty when nothing was analysed.
   */
  readonly urls: readonly string[];
  /** Wall time spent, milliseconds. */
  readonly elapsedMs: number;
}
