/**
 * Scores of the C2 engine's findings. Data, not code: policy may override a
 * score per symbol (policy.symbolScores). ATTACHMENT_IMPLANT_TRIGGER takes
 * its score from the matching rule of the trigger pack instead.
 */
import type { Severity } from '../../../core/index.js';

export const C2_ENGINE_NAME = 'c2';

export type C2Symbol = 'MIME_CONTENT_ID_BLOB' | 'ATTACHMENT_IMPLANT_TRIGGER';

interface C2Spec {
  readonly score: number;
  readonly severity: Severity;
}

/** MIME_CONTENT_ID_BLOB by shape (see FINDINGS.md). */
export const CONTENT_ID_BLOB_SCORES = {
  // SKIPJACK's exact shape: a bare run of base64, no brackets, no @. No mailer
  // writes a Content-ID like that; only an implant command does.
  bare: { score: 20, severity: 'high' },
  // Half the shape: `<64+ base64 chars>` without @host, or `blob@host` without brackets.
  // Not an RFC 5322 msg-id, but content-addressed generators (a hex digest) write such
  // ids too, so it is an oddity only.
  loose: { score: 5, severity: 'medium' },
} as const satisfies Record<string, C2Spec>;

/** Severity of an implant trigger by its score: at the quarantine threshold or over it is high. */
export function severityOfTriggerScore(score: number): Severity {
  if (score >= 15) return 'high';
  if (score >= 5) return 'medium';
  return 'low';
}
