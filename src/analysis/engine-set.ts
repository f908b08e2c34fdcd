/**
 * The engines one worker runs: the built-in ones plus those configured in
 * `EngineSettings`, built once per worker and per distinct settings (a
 * reload sends new settings and the next task builds the new set).
 */
import { loadIntelSources } from '../intel/index.js';
import type { Engine } from './engine.js';
import { BUILTIN_ENGINES } from './analyze-message.js';
import { createClamavEngine } from './engines/clamav/index.js';
import { createIocEngine } from './engines/ioc/index.js';
import { createYaraEngine, getWorkerRulesFromSnapshot } from './engines/yara/index.js';
import type { EngineSettings } from './limits.js';

let cached: { key: string; engines: Promise<readonly Engine[]> } | undefined;

/** Engines for these settings, built once and cached for the life of the worker. */
export function engineSetFor(settings: EngineSettings | undefined): Promise<readonly Engine[]> {
  // Rule text can be large: the YARA part of the key is its generation, not its sources.
  const { yara, ...rest } = settings ?? {};
  const key = JSON.stringify({ ...rest, yara: yara === undefined ? undefined : { ...yara, rules: yara.rules.generation } });
  if (cached?.key !== key) {
    const engines = buildEngines(settings ?? {});
    cached = { key, engines };
    // A failed build (an intel file being rotated) must not stick: the next task tries again.
    engines.catch(() => {
      if (cached?.engines === engines) cached = undefined;
    });
  }
  return cached.engines;
}

async function buildEngines(settings: EngineSettings): Promise<readonly Engine[]> {
  const engines: Engine[] = [...BUILTIN_ENGINES];
  if (settings.intel !== undefined) {
    // Bad lines were reported by the main thread, which loads the same files first.
    const { store, reputation } = await loadIntelSources(settings.intel);
    engines.push(createIocEngine(store, { reputation }));
  }
  if (settings.yara !== undefined) {
    const { rules, maxMatchesPerArtifact, maxScanBytes } = settings.yara;
    engines.push(createYaraEngine(getWorkerRulesFromSnapshot(rules), { maxMatchesPerArtifact, maxScanBytes }));
  }
  if (settings.clamav !== undefined) engines.push(createClamavEngine(settings.clamav));
  return engines;
}
