/**
 * Finds the dissectors registered in the pipeline at run time, so the fuzzer
 * targets whatever unpackers exist (tar and gzip first, zip when it lands)
 * without a code change here. The registry module is owned by the pipeline;
 * until it exists the fuzzer runs analyzeMessage only.
 */
import type { Dissector } from '../src/analysis/dissect/dissector.js';

// dist/fuzz/registry.js -> dist/src/analysis/dissect/registry.js
const REGISTRY_URL = new URL('../src/analysis/dissect/registry.js', import.meta.url);

function isDissector(value: unknown): value is Dissector {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['name'] === 'string' && typeof candidate['accepts'] === 'function' && typeof candidate['dissect'] === 'function';
}

function dissectorsIn(value: unknown): Dissector[] {
  if (Array.isArray(value)) return value.filter(isDissector);
  if (isDissector(value)) return [value];
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record['dissectors'])) return dissectorsIn(record['dissectors']);
    if (typeof record['list'] === 'function') return dissectorsIn((record['list'] as () => unknown)());
  }
  return [];
}

/**
 * The registered dissectors, by name (first wins). Exports are searched for
 * an array of dissectors, a registry object, or a zero-argument factory
 * returning either. Empty when the registry module does not exist yet.
 */
export async function discoverDissectors(): Promise<Dissector[]> {
  let module: Record<string, unknown>;
  try {
    module = (await import(REGISTRY_URL.href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : '';
    if (code === 'ERR_MODULE_NOT_FOUND' && message.includes('dissect/registry.js')) return [];
    throw error;
  }
  const found = new Map<string, Dissector>();
  for (const value of Object.values(module)) {
    let candidates = dissectorsIn(value);
    if (candidates.length === 0 && typeof value === 'function' && value.length === 0) {
      try {
        candidates = dissectorsIn((value as () => unknown)());
      } catch {
        // A factory that needs arguments or throws without them is not a registry; skip it.
        candidates = [];
      }
    }
    for (const dissector of candidates) if (!found.has(dissector.name)) found.set(dissector.name, dissector);
  }
  return [...found.values()];
}
