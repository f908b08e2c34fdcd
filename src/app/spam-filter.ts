/**
 * The Bayes classifier as the gateway runs it: the shipped global model, the
 * per-organization store the config names, a classifier per organization,
 * and training from quarantine decisions.
 */
import type { Kysely } from 'kysely';
import type { Finding } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { createBayesClassifier, createBayesTrainer, createMemoryBayesStore, loadBayesModel, type BayesBand, type BayesClassifier, type BayesStore } from '../spam/index.js';
import { createSqlBayesStore, type Database } from '../storage/index.js';
import { shippedPath } from './analysis-options.js';

export interface SpamFilter {
  /** Findings (BAYES_SPAM / BAYES_HAM / BAYES_STORE_UNAVAILABLE) for one message's token hashes. */
  classify(organizationId: number, tokens: readonly string[]): Promise<readonly Finding[]>;
  /** Learns one message as ham or spam for the organization (no-op without a store). */
  train(organizationId: number, tokens: readonly string[], label: 'ham' | 'spam'): Promise<void>;
}

function openStore(config: MoatConfig, db: Kysely<Database>): BayesStore | undefined {
  switch (config.spam.store) {
    case 'database':
      return createSqlBayesStore(db);
    case 'memory':
      return createMemoryBayesStore();
    case 'none':
      return undefined;
  }
}

/** Loads the model (SPAM_MODEL_INVALID stops the start) and builds the filter; undefined when spam.enabled is false. */
export async function openSpamFilter(config: MoatConfig, db: Kysely<Database>): Promise<SpamFilter | undefined> {
  const { spam } = config;
  if (!spam.enabled) return undefined;
  const model = await loadBayesModel(shippedPath(spam.model));
  const store = openStore(config, db);
  const classifiers = new Map<number, BayesClassifier>();
  const classifierFor = (organizationId: number): BayesClassifier => {
    let classifier = classifiers.get(organizationId);
    if (classifier === undefined) {
      classifier = createBayesClassifier({
        model,
        ...(store === undefined ? {} : { store }),
        organizationId,
        combine: { unknownWordStrength: spam.unknownWordStrength, unknownWordProb: spam.unknownWordProb, minProbStrength: spam.minProbStrength, maxDiscriminators: spam.maxDiscriminators },
        bands: spam.bands.map((b): BayesBand => ({ symbol: b.symbol, score: b.score, severity: b.severity, ...(b.min === undefined ? {} : { min: b.min }), ...(b.max === undefined ? {} : { max: b.max }) })),
        minMessagesPerClass: spam.minMessagesPerClass,
        storeTimeoutMs: spam.storeTimeoutMs,
      });
      classifiers.set(organizationId, classifier);
    }
    return classifier;
  };
  const trainer = store === undefined ? undefined : createBayesTrainer(store);
  return {
    classify: async (organizationId, tokens) => (await classifierFor(organizationId).classify(tokens)).findings,
    train: async (organizationId, tokens, label) => {
      if (trainer !== undefined && tokens.length > 0) await trainer.train(organizationId, tokens, label);
    },
  };
}
