/**
 * The classifier's findings. One symbol per direction; the score rises with
 * the probability band (policy counts each symbol once, at its highest
 * score). The bands are data: the defaults below, overridable in config
 * (spam.bayes.bands). Nothing is reported in the uncertain middle.
 */
import type { Severity } from '../core/index.js';

export const BAYES_ENGINE_NAME = 'bayes';

export type BayesSymbol = 'BAYES_SPAM' | 'BAYES_HAM' | 'BAYES_STORE_UNAVAILABLE';

/** A probability band and what a message in it scores. */
export interface BayesBand {
  readonly symbol: 'BAYES_SPAM' | 'BAYES_HAM';
  /** BAYES_SPAM: probability >= min. */
  readonly min?: number;
  /** BAYES_HAM: probability <= max. */
  readonly max?: number;
  readonly score: number;
  readonly severity: Severity;
}

/**
 * Defaults, from the held-out SpamAssassin figures (docs/DETECTION.md). At
 * 0.95 and above the false-positive rate on held-out ham was 0.32% (recall
 * 95.4%), so that band reaches quarantine (15) on its own; 0.8..0.95 tags.
 * The ham bands are small on purpose: the classifier reads attacker-written
 * text, and a phishing message padded with ham words must not buy back more
 * than a point or two of what the URL or attachment engines found.
 */
export const DEFAULT_BAYES_BANDS: readonly BayesBand[] = [
  { symbol: 'BAYES_SPAM', min: 0.999, score: 20, severity: 'high' },
  { symbol: 'BAYES_SPAM', min: 0.95, score: 15, severity: 'high' },
  { symbol: 'BAYES_SPAM', min: 0.8, score: 6, severity: 'medium' },
  { symbol: 'BAYES_HAM', max: 0.001, score: -2, severity: 'info' },
  { symbol: 'BAYES_HAM', max: 0.01, score: -1, severity: 'info' },
];

/** The organization's store did not answer in time: the message was classified on the global model alone. */
export const BAYES_STORE_UNAVAILABLE = { score: 0, severity: 'medium' } as const;
