/** Test support: runs the zip dissector with a fresh budget and summarises what came out. */
import type { Finding } from '../../../../core/index.js';
import type { ExpansionBudget, ExpansionLimits } from '../../../dissect/budget.js';
import { createExpansionBudget } from '../../../dissect/budget.js';
import type { DissectResult, Member } from '../../../dissect/dissector.js';
import { createZipDissector } from '../index.js';

export const GENEROUS_LIMITS: ExpansionLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
  maxDepth: 8,
  maxRatio: 200,
  maxMemberBytes: 128 * 1024 * 1024,
};

export interface Run extends DissectResult {
  readonly budget: ExpansionBudget;
  readonly symbols: readonly string[];
  /** Member name -> content as UTF-8 (undefined when not extracted). */
  readonly texts: ReadonlyMap<string, string | undefined>;
  finding(symbol: string): Finding | undefined;
  member(name: string): Member | undefined;
}

export async function runZip(content: Uint8Array, options: { passwords?: readonly string[]; limits?: Partial<ExpansionLimits> } = {}): Promise<Run> {
  const budget = createExpansionBudget({ ...GENEROUS_LIMITS, ...options.limits });
  const result = await createZipDissector().dissect({ path: '2', content }, { budget, passwords: options.passwords ?? [] });
  return {
    ...result,
    budget,
    symbols: [...new Set(result.findings.map((f) => f.symbol))].sort(),
    texts: new Map(result.members.map((m) => [m.name, m.content === undefined ? undefined : Buffer.from(m.content).toString('utf8')])),
    finding: (symbol) => result.findings.find((f) => f.symbol === symbol),
    member: (name) => result.members.find((m) => m.name === name),
  };
}
