/**
 * Remembers which keys of a loaded config took their value from the
 * environment, so `moat config print` can redact them without the config
 * object itself carrying bookkeeping fields.
 */

const envPathsByConfig = new WeakMap<object, ReadonlySet<string>>();

/** Records the env-sourced key paths (formatted) of a loaded config. */
export function recordEnvPaths(config: object, paths: ReadonlySet<string>): void {
  envPathsByConfig.set(config, paths);
}

/** Key paths of `config` that came from `${env:...}`; empty for configs not made by `loadConfig`. */
export function envPathsOf(config: object): ReadonlySet<string> {
  return envPathsByConfig.get(config) ?? new Set<string>();
}
