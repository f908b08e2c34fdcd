/**
 * Collects pipeline findings, one per symbol per message. A message with a
 * thousand broken parts is one MIME_BAD_BASE64 listing where, not a thousand
 * findings whose scores add up to a reject.
 */
import type { Finding } from '../core/index.js';
import type { PipelineSymbol } from './findings.js';
import { createPipelineFinding } from './findings.js';

// Paths listed in one finding's detail; the count says how many there were in all.
const MAX_LISTED_PATHS = 5;

export interface FindingCollector {
  /** Records `symbol` for the part at `path` (message level when absent); `reason` must be escaped already. */
  add(symbol: PipelineSymbol, reason: string, path?: string): void;
  /** The findings, one per symbol, in the order the symbols were first seen. */
  list(): Finding[];
}

interface Entry {
  readonly reason: string;
  readonly firstPath: string | undefined;
  readonly paths: string[];
  count: number;
}

/** Creates an empty collector for one message. */
export function createFindingCollector(): FindingCollector {
  const entries = new Map<PipelineSymbol, Entry>();
  return {
    add(symbol, reason, path) {
      const entry = entries.get(symbol);
      if (entry === undefined) {
        entries.set(symbol, { reason, firstPath: path, paths: path === undefined ? [] : [path], count: 1 });
        return;
      }
      entry.count++;
      if (path !== undefined && entry.paths.length < MAX_LISTED_PATHS) entry.paths.push(path);
    },
    list() {
      const out: Finding[] = [];
      for (const [symbol, entry] of entries) {
        let detail = entry.firstPath === undefined ? entry.reason : `part ${entry.firstPath}: ${entry.reason}`;
        if (entry.count > 1) {
          const more = entry.count > entry.paths.length ? ', …' : '';
          detail += ` (${entry.count} times, parts ${entry.paths.join(', ')}${more})`;
        }
        out.push(createPipelineFinding(symbol, detail, entry.firstPath));
      }
      return out;
    },
  };
}
