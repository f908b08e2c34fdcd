/**
 * Each engine and dissector keeps its findings as a data table (symbol →
 * score, severity); this turns a table into the one function that builds
 * its findings, so every format reports in the same shape.
 */
import type { Finding, Severity } from '../core/index.js';

export interface FindingSpec {
  readonly score: number;
  readonly severity: Severity;
}

export type FindingTable = Readonly<Record<string, FindingSpec>>;

/**
 * A builder for one engine's findings. `detail` must already be escaped
 * where it quotes message data; the part path is prefixed to it unless the
 * engine writes its own (`partPrefix: false`).
 */
export function findingBuilder<Table extends FindingTable>(
  engine: string,
  table: Table,
  options: { readonly partPrefix?: boolean } = {},
): (symbol: keyof Table & string, detail: string, artifact: string) => Finding {
  const prefix = options.partPrefix ?? true;
  return (symbol, detail, artifact) => {
    const { score, severity } = table[symbol] as FindingSpec;
    return { engine, symbol, score, severity, detail: prefix ? `part ${artifact}: ${detail}` : detail, artifact };
  };
}
