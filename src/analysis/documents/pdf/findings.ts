/**
 * Findings of the PDF dissector. Scores and severities are data; policy may
 * override them per symbol. FINDINGS.md says why each score is what it is.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const PDF_ENGINE = 'pdf';

export const PDF_FINDINGS = {
  PDF_JAVASCRIPT: { score: 10, severity: 'high' },
  PDF_OPENACTION: { score: 2, severity: 'low' },
  PDF_AA: { score: 2, severity: 'low' },
  // An action that runs by itself when the document opens AND script or a launch: the exploit-kit shape.
  PDF_AUTO_SCRIPT: { score: 10, severity: 'high' },
  PDF_LAUNCH: { score: 15, severity: 'high' },
  PDF_EMBEDDED_FILE: { score: 1, severity: 'info' },
  PDF_URI: { score: 0, severity: 'info' },
  PDF_NAME_OBFUSCATION: { score: 5, severity: 'medium' },
  PDF_MALFORMED: { score: 2, severity: 'low' },
  PDF_ENCRYPTED: { score: 1, severity: 'info' },
} as const satisfies FindingTable;

export type PdfSymbol = keyof typeof PDF_FINDINGS;

/** Builds a pdf finding; `detail` must already be escaped where it quotes message data. */
export const createPdfFinding = findingBuilder(PDF_ENGINE, PDF_FINDINGS);
