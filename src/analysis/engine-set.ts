/**
 * The engines one worker runs: the built-in ones plus those configured in
 * `EngineSettings`, built once per worker and per distinct settings (a
 * reload sends new settings and the next task builds the new set). The
 * indicator store built for the ioc engine also matches the message's URLs,
 * and the links settings build the message-level links pass.
 */
import { loadIntelSources } from '../intel/index.js';
import type { IndicatorStore } from '../intel/index.js';
import type { Engine } from './engine.js';
import { createLinkAnalyzer } from './links/index.js';
import type { LinkAnalyzer } from './links/index.js';
import { BUILTIN_ENGINES } from './analyze-message.js';
import type { AnalyzeOptions } from './analyze-message.js';
import { createClamavEngine } from './engines/clamav/index.js';
import { createIocEngine } from './engines/ioc/index.js';
import { createYaraEngine, getWorkerRulesFromSnapshot } from './engines/yara/index.js';
import type { EngineSettings } from './limits.js';

/** What a worker analyses with: its engines and, when intel is configured, the store URLs are matched against. */
export interface EngineSet extends AnalyzeOptions {
  readonly engines: readonly Engine[];
  readonly indicators?: IndicatorStore;
  readonly links?: LinkAnalyzer;
}

let cached: { key: string; set: Promise<EngineSet> } | undefined;

/** The engine set for these settings (pipeline options), built once and cached for the life of the worker. */
export function engineSetFor(settings: EngineSettings | undefined): Promise<EngineSet> {
  // Rule text can be large: the YARA part of the key is its generation, not its sources.
  const { yara, ...rest } = settings ?? {};
  const key = JSON.stringify({ ...rest, yara: yara === undefined ? undefined : { ...yara, rules: yara.rules.generation } });
  if (cached?.key !== key) {
    const set = buildEngines(settings ?? {});
    cached = { key, set };
    // A failed build (an intel file being rotated) must not stick: the next task tries again.
    set.catch(() => {
      if (cached?.set === set) cached = undefined;
    });
  }
  return cached.set;
}

async function buildEngines(settings: EngineSettings): Promise<EngineSet> {
  const engines: Engine[] = [...BUILTIN_ENGINES];
  let indicators: IndicatorStore | undefined;
  if (settings.intel !== undefined) {
    // Bad lines were reported by the main thread, which loads the same files first.
    const { store, reputation } = await loadIntelSources(settings.intel);
    engines.push(createIocEngine(store, { reputation }));
    indicators = store;
  }
  if (settings.yara !== undefined) {
    const { rules, maxMatchesPerArtifact, maxScanBytes } = settings.yara;
    engines.push(createYaraEngine(getWorkerRulesFromSnapshot(rules), { maxMatchesPerArtifact, maxScanBytes }));
  }
  if (settings.clamav !== undefined) engines.push(createClamavEngine(settings.clamav));
  return {
    engines,
    ...(indicators === undefined ? {} : { indicators }),
    ...(settings.links === undefined ? {} : { links: createLinkAnalyzer(settings.links) }),
  };
}
