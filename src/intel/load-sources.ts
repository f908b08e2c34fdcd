/**
 * Loads the configured indicator files and hash lists into a store. The
 * main thread loads them at start (to report bad lines and to match
 * envelopes); each analysis worker loads its own copy from the same files,
 * so a million indicators never cross a thread boundary per message.
 */
import type { Severity } from '../core/index.js';
import { createHashReputation, parseHashList, type HashReputation } from './hash-reputation.js';
import { parseIndicatorCsv, parsePlainList } from './loaders.js';
import { readIndicatorFile } from './read-file.js';
import { createIndicatorStore, type IndicatorStore } from './store.js';
import type { Indicator, IndicatorType, LoadError } from './types.js';

/** Serialisable description of where the intelligence comes from (config `intel`). */
export interface IntelSources {
  readonly csv: readonly string[];
  readonly lists: readonly {
    readonly path: string;
    readonly type?: IndicatorType;
    readonly source?: string;
    readonly severity: Severity;
    readonly confidence: number;
  }[];
  readonly hashReputation: { readonly allow: readonly string[]; readonly block: readonly string[] };
  readonly maxFileBytes: number;
  /**
   * Changes whenever a file's content changes under the same path (the database snapshot):
   * workers cache what they loaded by these settings, so a new generation makes them reload.
   */
  readonly generation?: number;
}

export interface LoadedIntel {
  readonly store: IndicatorStore;
  readonly reputation: HashReputation;
  readonly errors: readonly LoadError[];
}

/** True when nothing is configured (no engine needed). */
export function hasIntelSources(sources: IntelSources): boolean {
  return sources.csv.length + sources.lists.length + sources.hashReputation.allow.length + sources.hashReputation.block.length > 0;
}

/** Reads and parses every configured file; bad lines are returned with file and line, good ones kept. */
export async function loadIntelSources(sources: IntelSources): Promise<LoadedIntel> {
  const indicators: Indicator[] = [];
  const errors: LoadError[] = [];
  for (const path of sources.csv) {
    const result = parseIndicatorCsv(await readIndicatorFile(path, sources.maxFileBytes), { file: path });
    indicators.push(...result.indicators);
    errors.push(...result.errors);
  }
  for (const list of sources.lists) {
    const result = parsePlainList(await readIndicatorFile(list.path, sources.maxFileBytes), {
      file: list.path,
      severity: list.severity,
      confidence: list.confidence,
      ...(list.type === undefined ? {} : { type: list.type }),
      ...(list.source === undefined ? {} : { source: list.source }),
    });
    indicators.push(...result.indicators);
    errors.push(...result.errors);
  }
  const hashes = async (paths: readonly string[]): Promise<string[]> => {
    const all: string[] = [];
    for (const path of paths) {
      const result = parseHashList(await readIndicatorFile(path, sources.maxFileBytes), path);
      all.push(...result.hashes);
      errors.push(...result.errors);
    }
    return all;
  };
  const reputation = createHashReputation({ allow: await hashes(sources.hashReputation.allow), block: await hashes(sources.hashReputation.block) });
  return { store: createIndicatorStore(indicators), reputation, errors };
}
