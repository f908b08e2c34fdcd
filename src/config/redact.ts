/**
 * The effective config for display (`moat config print`) with secrets
 * replaced. Key file *paths* are fine to show; key material, passwords,
 * tokens, URL credentials and anything taken from `${env:...}` are not.
 */
import { formatKeyPath, isPlainObject } from './paths.js';
import type { KeyPath } from './paths.js';
import { envPathsOf } from './provenance.js';

export const REDACTED = '[redacted]';

/** Key names whose values are secrets whatever they contain. */
const SECRET_KEY = /password|passwd|passphrase|^pass$|secret|token|credential|api[-_]?key|private[-_]?key|cookie|authorization/i;
/** PEM key material pasted inline instead of a file path. */
const KEY_MATERIAL = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** `scheme://user:password@host`: keep the URL readable, hide the password. */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/i;

function redactValue(value: unknown, path: KeyPath, envPaths: ReadonlySet<string>): unknown {
  if (path.length > 0 && envPaths.has(formatKeyPath(path))) return REDACTED;
  const last = path[path.length - 1];
  // Only strings are secrets; numbers under a key such as `SPAM_TOKEN` in symbolScores are not.
  if (typeof last === 'string' && typeof value === 'string' && SECRET_KEY.test(last)) {
    return REDACTED;
  }
  if (typeof value === 'string') {
    if (KEY_MATERIAL.test(value)) return REDACTED;
    return value.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
  }
  if (Array.isArray(value)) return value.map((item, index) => redactValue(item, [...path, index], envPaths));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: redactValue(inner, [...path, key], envPaths), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** A copy of `config` safe to print: secret-looking keys, key material, URL passwords and env-sourced values redacted. */
export function redactConfig(config: object): unknown {
  return redactValue(config, [], envPathsOf(config));
}
