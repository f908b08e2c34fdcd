/**
 * Per-organization training data: what each organization's own quarantine
 * decisions taught the classifier, added to the shipped global model at
 * classification time. The SQL implementation is in src/storage
 * (createSqlBayesStore); this file holds the contract and an in-memory one.
 */
import type { TokenCounts } from './model.js';

export type BayesLabel = 'spam' | 'ham';

export interface BayesTotals {
  readonly spamMessages: number;
  readonly hamMessages: number;
}

/** Token counts per organization. Implementations bound their own call time (SQLite busy_timeout, pool timeouts). */
export interface BayesStore {
  /** Messages the organization trained, per class; zeros when it trained none. */
  totals(organizationId: number): Promise<BayesTotals>;
  /** Counts of those `tokens` the organization has trained; untrained tokens are left out. */
  counts(organizationId: number, tokens: readonly string[]): Promise<ReadonlyMap<string, TokenCounts>>;
  /** One message learnt as `label`: each (distinct) token's count and the label's total go up by one. */
  learn(organizationId: number, tokens: readonly string[], label: BayesLabel): Promise<void>;
}

export interface MemoryBayesStoreOptions {
  /** Distinct tokens kept per organization; new tokens beyond it are not counted (existing ones still are). */
  readonly maxTokensPerOrganization?: number;
}

// About 100 MB of Map entries: a test or a single small node, not a provider (use the SQL store).
const DEFAULT_MAX_TOKENS_PER_ORGANIZATION = 1_000_000;

/** A store in process memory, lost on restart: tests, `moat scan`, single-node trials. */
export function createMemoryBayesStore(options: MemoryBayesStoreOptions = {}): BayesStore {
  const cap = options.maxTokensPerOrganization ?? DEFAULT_MAX_TOKENS_PER_ORGANIZATION;
  const orgs = new Map<number, { spamMessages: number; hamMessages: number; tokens: Map<string, { spam: number; ham: number }> }>();
  const orgOf = (id: number): { spamMessages: number; hamMessages: number; tokens: Map<string, { spam: number; ham: number }> } => {
    let org = orgs.get(id);
    if (org === undefined) {
      org = { spamMessages: 0, hamMessages: 0, tokens: new Map() };
      orgs.set(id, org);
    }
    return org;
  };
  return {
    totals(organizationId) {
      const org = orgs.get(organizationId);
      return Promise.resolve({ spamMessages: org?.spamMessages ?? 0, hamMessages: org?.hamMessages ?? 0 });
    },
    counts(organizationId, tokens) {
      const found = new Map<string, TokenCounts>();
      const org = orgs.get(organizationId);
      if (org !== undefined) {
        for (const token of tokens) {
          const counts = org.tokens.get(token);
          if (counts !== undefined) found.set(token, { ...counts });
        }
      }
      return Promise.resolve(found);
    },
    learn(organizationId, tokens, label) {
      const org = orgOf(organizationId);
      if (label === 'spam') org.spamMessages++;
      else org.hamMessages++;
      for (const token of new Set(tokens)) {
        let counts = org.tokens.get(token);
        if (counts === undefined) {
          if (org.tokens.size >= cap) continue;
          counts = { spam: 0, ham: 0 };
          org.tokens.set(token, counts);
        }
        counts[label]++;
      }
      return Promise.resolve();
    },
  };
}
