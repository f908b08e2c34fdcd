/**
 * Findings the pipeline itself raises (MIME structure, limits, worker
 * failures). Scores and severities are data here; policy may override scores.
 */
import type { Finding, Severity } from '../core/index.js';

interface FindingSpec {
  readonly engine: 'mime' | 'analysis' | 'filetype' | 'archive';
  readonly score: number;
  readonly severity: Severity;
}

// A limit finding means part of the message was never looked at, so it scores at the
// default quarantine threshold (15): nothing unscanned is delivered by default.
export const PIPELINE_FINDINGS = {
  MIME_TOO_MANY_PARTS: { engine: 'mime', score: 15, severity: 'high' },
  MIME_TOO_DEEP: { engine: 'mime', score: 15, severity: 'high' },
  MIME_HEADER_TOO_LARGE: { engine: 'mime', score: 15, severity: 'high' },
  // Structure a normal mailer does not produce; parsers (and mail clients) disagree about it.
  MIME_MALFORMED: { engine: 'mime', score: 5, severity: 'medium' },
  MIME_BOUNDARY_MISSING: { engine: 'mime', score: 5, severity: 'medium' },
  MIME_UNTERMINATED: { engine: 'mime', score: 2, severity: 'low' },
  MIME_BAD_BASE64: { engine: 'mime', score: 3, severity: 'medium' },
  MIME_UNKNOWN_ENCODING: { engine: 'mime', score: 1, severity: 'low' },
  // file-type refused a part's content: a container whose sizes or offsets are built to break parsers.
  FILETYPE_MALFORMED: { engine: 'filetype', score: 3, severity: 'medium' },
  ANALYSIS_TOO_LARGE: { engine: 'analysis', score: 15, severity: 'high' },
  // Policy maps these two to analysis.onTimeout whatever their score (never deliver).
  // Containers (src/analysis/dissect, archive/names; FINDINGS.md there says why each scores what it does).
  // A limit hit leaves members unscanned: quarantine threshold, like the MIME limits above.
  ARCHIVE_BOMB: { engine: 'archive', score: 15, severity: 'high' },
  ARCHIVE_TOO_MANY_ENTRIES: { engine: 'archive', score: 15, severity: 'high' },
  NESTING_TOO_DEEP: { engine: 'archive', score: 15, severity: 'high' },
  // One file, two valid formats (a PDF that is also a zip, an ISO whose system area is an archive):
  // legitimate files rarely are, and each reader sees something different. Both readings are analysed.
  POLYGLOT_CONTAINER: { engine: 'archive', score: 5, severity: 'medium' },
  // CVE-2023-2868: a member name built to run as a shell command. Reject threshold.
  ARCHIVE_NAME_SHELL_META: { engine: 'archive', score: 40, severity: 'critical' },
  // Shell-special characters without the shape of a command (`a;b.txt`, `say "hi".txt`): an oddity.
  ARCHIVE_NAME_SHELL_CHARS: { engine: 'archive', score: 3, severity: 'low' },
  ARCHIVE_PATH_TRAVERSAL: { engine: 'archive', score: 20, severity: 'high' },
  ARCHIVE_LINK_MEMBER: { engine: 'archive', score: 5, severity: 'medium' },
  ARCHIVE_DUPLICATE_NAME: { engine: 'archive', score: 15, severity: 'high' },
  ARCHIVE_DEVICE_MEMBER: { engine: 'archive', score: 15, severity: 'high' },
  ARCHIVE_NAME_TOO_LONG: { engine: 'archive', score: 5, severity: 'medium' },
  ANALYSIS_TIMEOUT: { engine: 'analysis', score: 0, severity: 'high' },
  ANALYSIS_CRASH: { engine: 'analysis', score: 0, severity: 'high' },
} as const satisfies Record<string, FindingSpec>;

export type PipelineSymbol = keyof typeof PIPELINE_FINDINGS;

/** Builds a pipeline finding; `detail` must already be escaped where it quotes message data. */
export function createPipelineFinding(symbol: PipelineSymbol, detail: string, artifact?: string): Finding {
  const spec: FindingSpec = PIPELINE_FINDINGS[symbol];
  const base = { engine: spec.engine, symbol, score: spec.score, severity: spec.severity, detail };
  return artifact === undefined ? base : { ...base, artifact };
}
