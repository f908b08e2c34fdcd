/**
 * The spam content rules' findings, as data (policy may override a score per
 * symbol). Measured hit rates on the SpamAssassin corpus are in
 * docs/DETECTION.md; the scores follow from them: a rule that fires on ham at
 * all stays under the tag threshold (5) on its own.
 */
import { findingBuilder } from '../../finding-table.js';

export const SPAM_ENGINE_NAME = 'spam';

export const SPAM_FINDINGS = {
  // The GTUBE test string (https://spamassassin.apache.org/gtube/): an operator testing the spam path.
  // Like EICAR for antivirus it must reach the reject threshold (40) on its own, whatever else the message is.
  SPAM_GTUBE: { score: 1000, severity: 'critical' },
  // An HTML message whose content is an image and next to no text: text-as-image evades word filters.
  SPAM_IMAGE_ONLY: { score: 3, severity: 'low' },
  // Next to no text and a link: "click here" mail with nothing to read.
  SPAM_LINK_ONLY: { score: 2, severity: 'low' },
  // Text inside elements hidden by CSS: words written for filters, not for the reader.
  SPAM_HIDDEN_TEXT: { score: 3, severity: 'low' },
  // A subject mostly in capitals or with a run of exclamation marks.
  SPAM_SUBJECT_SHOUTING: { score: 2, severity: 'low' },
  // A single-part text message whose body is base64: hides its words from naive filters; mailers
  // use quoted-printable or 8bit for text, a few consumer ones base64 for non-Latin scripts.
  SPAM_BASE64_TEXT: { score: 1, severity: 'low' },
} as const;

export type SpamSymbol = keyof typeof SPAM_FINDINGS;

export const buildSpamFinding = findingBuilder(SPAM_ENGINE_NAME, SPAM_FINDINGS, { partPrefix: false });
