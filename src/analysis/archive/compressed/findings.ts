import type { Finding } from '../../../core/index.js';
import { COMPRESSED_FINDINGS } from './tables.js';
import type { CompressedSymbol } from './tables.js';

/** Collects structural findings of one stream, one per symbol. */
export function createStreamFindings(engine: string, path: string): { note(symbol: CompressedSymbol, detail: string): void; readonly list: Finding[] } {
  const list: Finding[] = [];
  return {
    list,
    note(symbol, detail) {
      if (list.some((f) => f.symbol === symbol)) return;
      const { score, severity } = COMPRESSED_FINDINGS[symbol];
      list.push({ engine, symbol, score, severity, detail: `part ${path}: ${detail}`, artifact: path });
    },
  };
}
