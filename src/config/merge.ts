/**
 * Operator settings over shipped defaults: mappings merge key by key, lists
 * (and every other value) replace whole, and an explicit empty value (`key:`
 * or `key: null`) removes the default so an optional key can be unset.
 */
import { isPlainObject } from './paths.js';

/** Defines an own data property; `__proto__` from YAML must stay a plain key, never the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function cloneData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneData);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) setOwn(out, key, cloneData(inner));
    return out;
  }
  return value;
}

/** Returns a new value: `override` merged over `base`. Neither input is modified. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return cloneData(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return cloneData(override);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) setOwn(out, key, cloneData(value));
  for (const [key, value] of Object.entries(override)) {
    if (value === null) {
      delete out[key];
    } else {
      const current = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
      setOwn(out, key, mergeConfig(current, value));
    }
  }
  return out;
}
