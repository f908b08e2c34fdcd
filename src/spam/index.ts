/**
 * Spam classification on the main thread: the Bayes classifier over the
 * worker's token hashes, the shipped global model, and per-organization
 * training. See README.md.
 */
export type { BayesClassifier, BayesClassifierOptions, BayesResult } from './classifier.js';
export { bandOf, createBayesClassifier } from './classifier.js';
export type { CombineOptions } from './combine.js';
export { chi2Q, combineProbabilities, DEFAULT_COMBINE_OPTIONS, tokenProbability } from './combine.js';
export type { BayesBand, BayesSymbol } from './findings.js';
export { BAYES_ENGINE_NAME, DEFAULT_BAYES_BANDS } from './findings.js';
export type { BayesModel, TokenCounts } from './model.js';
export { decodeBayesModel, emptyBayesModel, encodeBayesModel, isTokenHash, loadBayesModel } from './model.js';
export type { BayesLabel, BayesStore, BayesTotals, MemoryBayesStoreOptions } from './store.js';
export { createMemoryBayesStore } from './store.js';
export type { BayesTrainer } from './trainer.js';
export { createBayesTrainer } from './trainer.js';
