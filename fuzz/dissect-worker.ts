/**
 * Worker-thread entry for fuzzing one dissector directly (loaded by piscina
 * from dist/fuzz/dissect-worker.js with a heap limit; the fuzzer aborts it on
 * its time budget). A dissector must turn malformed input into findings: any
 * throw other than BudgetExceededError is a crash.
 */
import { detectType } from '../src/analysis/detect-type.js';
import { BudgetExceededError, createExpansionBudget } from '../src/analysis/dissect/budget.js';
import type { ExpansionLimits } from '../src/analysis/dissect/budget.js';
import type { Dissector } from '../src/analysis/dissect/dissector.js';
import { discoverDissectors } from './registry.js';

export interface DissectJob {
  readonly dissector: string;
  readonly bytes: Uint8Array;
}

export interface DissectJobResult {
  /** False when the dissector did not accept the content (not an execution). */
  readonly accepted: boolean;
  /** Set when the dissector threw something other than a budget error. */
  readonly crash?: string;
  readonly findings: readonly { readonly symbol: string; readonly detail: string }[];
  readonly members: number;
}

// The shipped defaults of analysis.expansion, smaller in total so one job stays far under the worker heap.
const LIMITS: ExpansionLimits = { maxTotalBytes: 64 * 1024 * 1024, maxEntries: 10_000, maxDepth: 10, maxRatio: 250, maxMemberBytes: 32 * 1024 * 1024 };

let dissectors: Promise<Dissector[]> | undefined;

/** Runs dissector `job.dissector` on `job.bytes` once. */
export async function dissectBytes(job: DissectJob): Promise<DissectJobResult> {
  dissectors ??= discoverDissectors();
  const dissector = (await dissectors).find((d) => d.name === job.dissector);
  if (dissector === undefined) throw new Error(`no dissector named ${job.dissector}`);
  const content = job.bytes;
  const detection = await detectType(content);
  const subject = { path: '2', content, ...(detection.detected === undefined ? {} : { detected: detection.detected }) };
  if (!dissector.accepts(subject)) return { accepted: false, findings: [], members: 0 };
  try {
    const result = await dissector.dissect(subject, { budget: createExpansionBudget(LIMITS), passwords: ['infected', '1234'] });
    return { accepted: true, findings: result.findings.map((f) => ({ symbol: f.symbol, detail: f.detail })), members: result.members.length };
  } catch (error) {
    if (error instanceof BudgetExceededError) return { accepted: true, findings: [], members: 0 };
    const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    return { accepted: true, crash: text.slice(0, 2000), findings: [], members: 0 };
  }
}
