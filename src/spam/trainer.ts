/**
 * Training from quarantine decisions: "release" (not spam) teaches ham,
 * "confirm" (spam) teaches spam, per organization. Idempotency is the
 * caller's: training the same message twice counts it twice, so the caller
 * trains once per (message, decision) and, when an admin reverses a
 * decision, accepts the small bias (there is no unlearn yet).
 */
import { isTokenHash } from './model.js';
import type { BayesLabel, BayesStore } from './store.js';

export interface BayesTrainer {
  /** Learns one message's token hashes (AnalysisResult.spamTokens) as `label`; malformed tokens are dropped. */
  train(organizationId: number, tokens: readonly string[], label: BayesLabel): Promise<void>;
}

// The worker sends at most 2,000; the bound holds whatever a caller passes.
const MAX_TRAIN_TOKENS = 2000;

export function createBayesTrainer(store: BayesStore): BayesTrainer {
  return {
    async train(organizationId, tokens, label) {
      if (!Number.isSafeInteger(organizationId) || organizationId <= 0) throw new RangeError(`invalid organization id ${organizationId}`);
      const clean = [...new Set(tokens.filter(isTokenHash))].slice(0, MAX_TRAIN_TOKENS);
      await store.learn(organizationId, clean, label);
    },
  };
}
