/**
 * The Bayes classifier, on the main thread: token hashes from the worker
 * (AnalysisResult.spamTokens) against the shipped global model plus the
 * organization's own training, combined by Robinson/Fisher (combine.ts).
 * Findings only in the confident bands; the uncertain middle says nothing.
 */
import type { Finding } from '../core/index.js';
import { combineProbabilities, DEFAULT_COMBINE_OPTIONS, tokenProbability } from './combine.js';
import type { CombineOptions } from './combine.js';
import { BAYES_ENGINE_NAME, BAYES_STORE_UNAVAILABLE, DEFAULT_BAYES_BANDS } from './findings.js';
import type { BayesBand } from './findings.js';
import type { BayesModel, TokenCounts } from './model.js';
import { isTokenHash } from './model.js';
import type { BayesStore, BayesTotals } from './store.js';

export interface BayesClassifierOptions {
  /** The shipped global model (loadBayesModel), shared by every organization. */
  readonly model: BayesModel;
  /** Per-organization training added to the global counts; absent: the global model alone. */
  readonly store?: BayesStore;
  readonly organizationId: number;
  readonly combine?: CombineOptions;
  readonly bands?: readonly BayesBand[];
  /** Below this many trained messages of either class (global + organization) nothing is said. */
  readonly minMessagesPerClass?: number;
  /** Deadline of the store lookup; past it the global model is used alone (BAYES_STORE_UNAVAILABLE). */
  readonly storeTimeoutMs?: number;
  /** Tokens looked at per message; the worker sends at most 2,000. */
  readonly maxTokens?: number;
}

export interface BayesResult {
  /** Spam probability, 0..1; 0.5 when untrained or nothing was decisive. */
  readonly probability: number;
  /** Tokens that counted (the strongest, at most maxDiscriminators). */
  readonly decisiveTokens: number;
  readonly findings: readonly Finding[];
}

export interface BayesClassifier {
  /** Classifies one message's token hashes. Never rejects: a store failure is a finding. */
  classify(tokens: readonly string[]): Promise<BayesResult>;
}

const DEFAULT_MIN_MESSAGES = 50;
const DEFAULT_STORE_TIMEOUT_MS = 2000;
const DEFAULT_MAX_TOKENS = 2000;

/** A classifier for one organization. */
export function createBayesClassifier(options: BayesClassifierOptions): BayesClassifier {
  const combine = options.combine ?? DEFAULT_COMBINE_OPTIONS;
  const bands = options.bands ?? DEFAULT_BAYES_BANDS;
  const minMessages = options.minMessagesPerClass ?? DEFAULT_MIN_MESSAGES;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const { model } = options;
  return {
    async classify(input) {
      const tokens = [...new Set(input.slice(0, maxTokens).filter(isTokenHash))];
      const extra: Finding[] = [];
      let org: { totals: BayesTotals; counts: ReadonlyMap<string, TokenCounts> } = { totals: { spamMessages: 0, hamMessages: 0 }, counts: new Map() };
      if (options.store !== undefined) {
        try {
          org = await withDeadline(lookUp(options.store, options.organizationId, tokens), options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS);
        } catch (err) {
          extra.push({
            engine: BAYES_ENGINE_NAME,
            symbol: 'BAYES_STORE_UNAVAILABLE',
            ...BAYES_STORE_UNAVAILABLE,
            detail: `organization training data unavailable, global model used alone: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300),
          });
        }
      }
      const spamMessages = model.spamMessages + org.totals.spamMessages;
      const hamMessages = model.hamMessages + org.totals.hamMessages;
      if (spamMessages < minMessages || hamMessages < minMessages) return { probability: 0.5, decisiveTokens: 0, findings: extra };
      const probabilities: number[] = [];
      for (const token of tokens) {
        const global = model.tokens.get(token);
        const own = org.counts.get(token);
        if (global === undefined && own === undefined) continue;
        const counts = { spam: (global?.spam ?? 0) + (own?.spam ?? 0), ham: (global?.ham ?? 0) + (own?.ham ?? 0) };
        probabilities.push(tokenProbability(counts, spamMessages, hamMessages, combine));
      }
      const { probability, used } = combineProbabilities(probabilities, combine);
      const band = bandOf(probability, bands);
      if (band !== undefined) {
        extra.push({
          engine: BAYES_ENGINE_NAME,
          symbol: band.symbol,
          score: band.score,
          severity: band.severity,
          detail: `Bayes spam probability ${probability.toFixed(4)} (${used} decisive of ${tokens.length} tokens)`,
        });
      }
      return { probability, decisiveTokens: used, findings: extra };
    },
  };
}

/** The first band the probability falls in (bands are listed strongest first). */
export function bandOf(probability: number, bands: readonly BayesBand[]): BayesBand | undefined {
  return bands.find((b) => (b.symbol === 'BAYES_SPAM' ? b.min !== undefined && probability >= b.min : b.max !== undefined && probability <= b.max));
}

async function lookUp(store: BayesStore, organizationId: number, tokens: readonly string[]): Promise<{ totals: BayesTotals; counts: ReadonlyMap<string, TokenCounts> }> {
  const [totals, counts] = await Promise.all([store.totals(organizationId), store.counts(organizationId, tokens)]);
  return { totals, counts };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store lookup exceeded ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
