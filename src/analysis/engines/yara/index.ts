/**
 * YARA engine (YARA-X via @litko/yara-x): rules from a directory, compiled once
 * per thread, reloadable by generation. See README.md.
 */
export type { CompiledRules, LoadedYaraRules, YaraRuleSource, YaraScanner } from './compile.js';
export { compileYaraRules, loadYaraRules, readYaraRuleSources } from './compile.js';
export type { YaraEngineOptions } from './engine.js';
export { createYaraEngine, YARA_DEFAULT_SCORE, YARA_DEFAULT_SEVERITY, YARA_ENGINE_NAME, YARA_SYMBOLS, yaraSymbol } from './engine.js';
export { YaraRulesError } from './errors.js';
export type { YaraReloadResult, YaraRuleSet, YaraRuleSnapshot } from './rule-set.js';
export { createYaraRuleSet } from './rule-set.js';
export { getWorkerRules, getWorkerRulesFromSnapshot } from './worker-rules.js';
