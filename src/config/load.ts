/**
 * Loads the one configuration: shipped defaults, the operator file merged
 * over them, `${env:NAME}` interpolated, schema and semantic checks, then
 * frozen. Called once, by `app/`; components receive the slice they need.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, MoatError } from '../core/index.js';
import { deepFreeze } from './freeze.js';
import { interpolateEnv } from './interpolate.js';
import { formatIssues } from './issues.js';
import { mergeConfig } from './merge.js';
import { recordEnvPaths } from './provenance.js';
import { configSchema } from './schema.js';
import type { MoatConfig } from './schema.js';
import { checkSemantics } from './semantic.js';
import { readConfigFile } from './yaml-file.js';

export interface LoadConfigOptions {
  /** Shipped defaults; default: `config/default.yaml` in the package root. */
  readonly defaultsPath?: string;
  /** Operator overrides (see {@link resolveOperatorConfigPath}). */
  readonly operatorPath?: string;
  /** Source of `${env:NAME}` values. */
  readonly env: NodeJS.ProcessEnv;
  /** Base for relative paths (`dataDir`, TLS files); default: the process working directory. */
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: Readonly<MoatConfig>;
  /** Files read, defaults first. */
  readonly sources: string[];
}

/** Package root: the nearest folder upwards holding our package.json (works from `src/` and `dist/src/`). */
async function findPackageRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const parsed: unknown = JSON.parse(await readFile(candidate, 'utf8'));
        if (parsed !== null && typeof parsed === 'object' && (parsed as { name?: unknown }).name === 'moat') return dir;
      } catch {
        // Not ours or unreadable: keep walking up; the final error below names what was expected.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new MoatError('CONFIG_UNREADABLE', 'cannot locate the Moat package root to find config/default.yaml; pass defaultsPath');
}

/**
 * Which operator file to load: `--config` beats `MOAT_CONFIG` beats
 * `./moat.yaml` when that exists; none of them means defaults only.
 * An explicitly named file that does not exist is an error, because
 * silently running on defaults would hide a typo in a service unit.
 */
export function resolveOperatorConfigPath(argPath: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const explicit = argPath ?? (env['MOAT_CONFIG'] === '' ? undefined : env['MOAT_CONFIG']);
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) {
      const origin = argPath !== undefined ? '--config' : 'MOAT_CONFIG';
      throw new MoatError('CONFIG_UNREADABLE', `config file ${file} (from ${origin}) does not exist`);
    }
    return file;
  }
  const local = join(cwd, 'moat.yaml');
  return existsSync(local) ? local : undefined;
}

function resolvePaths(config: MoatConfig, cwd: string): MoatConfig {
  const absolute = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const tls = { ...config.smtp.tls };
  if (tls.cert !== undefined) tls.cert = absolute(tls.cert);
  if (tls.key !== undefined) tls.key = absolute(tls.key);
  return { ...config, dataDir: absolute(config.dataDir), smtp: { ...config.smtp, tls } };
}

/** A domain without a next hop of its own takes its organization's (`organizations[].nextHop`). */
function inheritNextHops(config: MoatConfig): MoatConfig {
  const hops = new Map(config.organizations.flatMap((o) => (o.nextHop === undefined ? [] : [[o.name, o.nextHop] as const])));
  if (hops.size === 0) return config;
  const domains = config.domains.map((d) => {
    const inherited = d.nextHop === undefined ? hops.get(d.organization ?? 'default') : undefined;
    return inherited === undefined ? d : { ...d, nextHop: inherited };
  });
  return { ...config, domains };
}

/** Loads, merges, interpolates, validates and deep-freezes the configuration; throws `ConfigError` listing every issue. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const defaultsPath = options.defaultsPath ?? join(await findPackageRoot(), 'config', 'default.yaml');
  const sources = [defaultsPath];
  let merged: unknown = await readConfigFile(defaultsPath);
  if (options.operatorPath !== undefined) {
    sources.push(options.operatorPath);
    merged = mergeConfig(merged, await readConfigFile(options.operatorPath));
  }
  const source = sources.join(' + ');

  const interpolated = interpolateEnv(merged, options.env, configSchema);
  if (interpolated.issues.length > 0) throw new ConfigError(interpolated.issues, source);

  const parsed = configSchema.safeParse(interpolated.value);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, configSchema, interpolated.value), source);

  const config = inheritNextHops(resolvePaths(parsed.data, cwd));
  const semanticIssues = await checkSemantics(config);
  if (semanticIssues.length > 0) throw new ConfigError(semanticIssues, source);

  const frozen = deepFreeze(config);
  recordEnvPaths(frozen, interpolated.envPaths);
  return { config: frozen, sources };
}
