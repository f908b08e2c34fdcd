/**
 * Robinson's token probabilities combined with Fisher's chi-square method,
 * as SpamBayes does it (Gary Robinson, "A Statistical Approach to the Spam
 * Problem", Linux Journal 2003; SpamBayes classifier.py chi2_spamprob). Pure
 * arithmetic, no state.
 */
import type { TokenCounts } from './model.js';

export interface CombineOptions {
  /** Robinson's s: how strongly the prior x holds against little evidence. SpamBayes: 0.45. */
  readonly unknownWordStrength: number;
  /** Robinson's x: the probability of a token never seen. SpamBayes: 0.5. */
  readonly unknownWordProb: number;
  /** Tokens with |f - 0.5| below this are ignored as noise. SpamBayes: 0.1. */
  readonly minProbStrength: number;
  /** Only the strongest this many tokens count. SpamBayes: 150. */
  readonly maxDiscriminators: number;
}

export const DEFAULT_COMBINE_OPTIONS: CombineOptions = { unknownWordStrength: 0.45, unknownWordProb: 0.5, minProbStrength: 0.1, maxDiscriminators: 150 };

/** Robinson's f(w): the spam probability of a token seen in `counts` of `spamMessages` + `hamMessages` trained messages. */
export function tokenProbability(counts: TokenCounts, spamMessages: number, hamMessages: number, options: CombineOptions): number {
  const spamRatio = counts.spam / Math.max(spamMessages, 1);
  const hamRatio = counts.ham / Math.max(hamMessages, 1);
  const p = spamRatio + hamRatio === 0 ? options.unknownWordProb : spamRatio / (spamRatio + hamRatio);
  const n = counts.spam + counts.ham;
  const s = options.unknownWordStrength;
  return (s * options.unknownWordProb + n * p) / (s + n);
}

/**
 * Fisher-combines token probabilities into the message's spam probability
 * (0.5 when no token is decisive). Returns it with the number of tokens used.
 */
export function combineProbabilities(probabilities: readonly number[], options: CombineOptions): { probability: number; used: number } {
  const clues = probabilities
    .filter((f) => Math.abs(f - 0.5) >= options.minProbStrength)
    .sort((a, b) => Math.abs(b - 0.5) - Math.abs(a - 0.5))
    .slice(0, options.maxDiscriminators);
  if (clues.length === 0) return { probability: 0.5, used: 0 };
  let lnSpam = 0;
  let lnHam = 0;
  for (const f of clues) {
    // f is in (0, 1) strictly: Robinson's formula with s > 0 never reaches 0 or 1.
    lnSpam += Math.log(1 - f);
    lnHam += Math.log(f);
  }
  const spamminess = 1 - chi2Q(-2 * lnSpam, 2 * clues.length);
  const hamminess = 1 - chi2Q(-2 * lnHam, 2 * clues.length);
  return { probability: (1 + spamminess - hamminess) / 2, used: clues.length };
}

/** P(chi-square with `v` (even) degrees of freedom >= x2): the series for even v. */
export function chi2Q(x2: number, v: number): number {
  const m = x2 / 2;
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i < v / 2; i++) {
    term *= m / i;
    sum += term;
  }
  return Math.min(sum, 1);
}
