/**
 * Hash reputation: a block-list of known-bad SHA-256 and an allow-list of
 * known-good ones (e.g. the company's own signed installers). Loaded from plain
 * lists; the snapshot is two string arrays for the worker threads.
 */
import { parsePlainList } from './loaders.js';
import type { LoadError } from './types.js';

export type HashVerdict = 'blocked' | 'allowed' | 'unknown';

export interface HashReputationSnapshot {
  readonly allow: readonly string[];
  readonly block: readonly string[];
}

export interface HashReputation {
  /** Block wins over allow when a hash is on both lists (a mistake in the allow-list must not pass malware). */
  check(sha256: string): HashVerdict;
  toSnapshot(): HashReputationSnapshot;
}

/** Builds the reputation from lower-case hex SHA-256 lists (use `parseHashList` for text). */
export function createHashReputation(snapshot: HashReputationSnapshot): HashReputation {
  const allow = new Set(snapshot.allow);
  const block = new Set(snapshot.block);
  return {
    check(sha256) {
      const hex = sha256.toLowerCase();
      if (block.has(hex)) return 'blocked';
      return allow.has(hex) ? 'allowed' : 'unknown';
    },
    toSnapshot: () => ({ allow: [...allow], block: [...block] }),
  };
}

/** Parses a plain SHA-256 list (one per line, `#` comments); bad lines are reported, good kept. */
export function parseHashList(text: string, file?: string): { hashes: string[]; errors: readonly LoadError[] } {
  const { indicators, errors } = parsePlainList(text, { type: 'sha256', ...(file === undefined ? {} : { file }) });
  return { hashes: indicators.map((i) => i.value), errors };
}
