/**
 * A reloadable YARA rule set for the main thread. It owns the compiled rules
 * and a generation number; a reload that fails keeps the previous set, so a
 * typo in a rule file never leaves the gateway without rules.
 */
import type { CompiledRules, YaraRuleSource } from './compile.js';
import { compileYaraRules, readYaraRuleSources } from './compile.js';
import { YaraRulesError } from './errors.js';

/** What a worker needs to rebuild the current rules: serialisable, post it with the task. */
export interface YaraRuleSnapshot {
  readonly generation: number;
  readonly sources: readonly YaraRuleSource[];
}

export type YaraReloadResult =
  | { readonly ok: true; readonly generation: number; readonly ruleCount: number; readonly files: readonly string[] }
  | { readonly ok: false; readonly error: YaraRulesError; readonly generation: number };

export interface YaraRuleSet {
  /** Rules compiled in this thread (for an engine running on the main thread, or for stats). */
  rules(): CompiledRules;
  /** Bumped on every successful reload; a worker holding another number recompiles. */
  generation(): number;
  /** The current generation and its sources, for worker tasks (see getWorkerRules). */
  snapshot(): YaraRuleSnapshot;
  /** Re-reads the directory. On failure the previous rules and generation stay in force. */
  reload(): Promise<YaraReloadResult>;
}

/**
 * Loads `dir` (throws YaraRulesError when it does not compile: a gateway must not
 * start with a broken rule set) and returns the reloadable set, generation 1.
 */
export async function createYaraRuleSet(dir: string): Promise<YaraRuleSet> {
  let current = compileYaraRules(await readYaraRuleSources(dir));
  let generation = 1;
  let snapshot: YaraRuleSnapshot = { generation, sources: current.sources };
  // Reloads run one at a time so two SIGHUPs cannot race to install an older read.
  let queue: Promise<unknown> = Promise.resolve();

  const reloadOnce = async (): Promise<YaraReloadResult> => {
    try {
      const next = compileYaraRules(await readYaraRuleSources(dir));
      current = next;
      generation += 1;
      snapshot = { generation, sources: next.sources };
      return { ok: true, generation, ruleCount: next.ruleCount, files: next.sources.map((s) => s.file) };
    } catch (err) {
      const error = err instanceof YaraRulesError ? err : new YaraRulesError(`YARA rule reload failed: ${String(err)}`, {}, { cause: err });
      return { ok: false, error, generation };
    }
  };

  return {
    rules: () => current,
    generation: () => generation,
    snapshot: () => snapshot,
    reload: () => {
      const run = queue.then(reloadOnce);
      queue = run;
      return run;
    },
  };
}
