/**
 * The worker-thread side of rule distribution. Compiled YARA-X rules cannot be
 * posted between threads (and this binding cannot serialise them), so each
 * worker compiles the rule sources itself, once per generation, and keeps the
 * result in this module (module state is per thread).
 */
import type { CompiledRules } from './compile.js';
import { compileYaraRules } from './compile.js';
import type { YaraRuleSnapshot } from './rule-set.js';

let cached: { readonly generation: number; readonly rules: CompiledRules } | undefined;

/**
 * The rules of `generation` for this thread: `loader` runs only when the cached
 * generation differs (first task, or after a reload). A loader that throws leaves
 * the cache untouched and the throw reaches the engine (YARA_FAIL): a worker
 * never silently scans with rules other than the ones it was asked for.
 */
export function getWorkerRules(generation: number, loader: () => CompiledRules): CompiledRules {
  if (cached !== undefined && cached.generation === generation) return cached.rules;
  const rules = loader();
  cached = { generation, rules };
  return rules;
}

/** getWorkerRules for a snapshot posted with the task (the usual wiring). */
export function getWorkerRulesFromSnapshot(snapshot: YaraRuleSnapshot): CompiledRules {
  return getWorkerRules(snapshot.generation, () => compileYaraRules(snapshot.sources));
}
