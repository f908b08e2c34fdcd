/**
 * The engines one worker runs: the built-in ones plus those configured in
 * `EngineSettings`, built once per worker and per distinct settings (a
 * reload sends new settings and the next task builds the new set).
 */
import type { Engine } from './engine.js';
import { BUILTIN_ENGINES } from './analyze-message.js';
import { createClamavEngine } from './engines/clamav/index.js';
import type { EngineSettings } from './limits.js';

let cached: { key: string; engines: readonly Engine[] } | undefined;

/** Engines for these settings, cached for the life of the worker. */
export function engineSetFor(settings: EngineSettings | undefined): readonly Engine[] {
  const key = JSON.stringify(settings ?? {});
  if (cached?.key === key) return cached.engines;
  const engines: Engine[] = [...BUILTIN_ENGINES];
  if (settings?.clamav !== undefined) engines.push(createClamavEngine(settings.clamav));
  cached = { key, engines };
  return engines;
}
