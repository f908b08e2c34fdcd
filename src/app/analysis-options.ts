import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createYaraRuleSet, type AnalysisPoolOptions, type EngineSettings, type YaraRuleSet } from '../analysis/index.js';
import type { MoatConfig } from '../config/index.js';
import { hasIntelSources, type IntelSources } from '../intel/index.js';

// dist/src/app/ → the installation root, where config/ and rules/ ship.
const INSTALL_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path from config that names shipped data: relative means relative to the installation. */
export function shippedPath(path: string): string {
  return isAbsolute(path) ? path : join(INSTALL_ROOT, path);
}

/** Compiles the configured YARA rules (throws YaraRulesError naming the file and line). */
export async function openYaraRules(config: MoatConfig): Promise<YaraRuleSet | undefined> {
  return config.analysis.yara.enabled ? createYaraRuleSet(shippedPath(config.analysis.yara.rulesDir)) : undefined;
}

/** Where the database indicators are, for the workers: the snapshot file and the store generation it holds. */
export interface DatabaseIntel {
  readonly path: string;
  readonly generation: number;
}

/**
 * Engines beyond the built-in ones, as configured (serialised into every analysis task), plus the
 * snapshot of the database indicators when there are any.
 */
export function engineSettings(config: MoatConfig, yaraRules?: YaraRuleSet, database?: DatabaseIntel): EngineSettings {
  const { clamav, yara } = config.analysis;
  const intel = intelSources(config, database);
  return {
    ...(hasIntelSources(intel) ? { intel } : {}),
    links: {
      protectedDomains: [...new Set([...config.domains.map((d) => d.name.toLowerCase()), ...config.links.protectedDomains])],
      brands: config.links.brands,
      vips: config.links.vips,
      ...(config.links.shorteners === undefined ? {} : { shorteners: config.links.shorteners }),
      ...(config.links.freemail === undefined ? {} : { freemail: config.links.freemail }),
    },
    ...(yaraRules === undefined
      ? {}
      : { yara: { rules: yaraRules.snapshot(), maxMatchesPerArtifact: yara.maxMatchesPerArtifact, maxScanBytes: yara.maxScanBytes } }),
    ...(clamav.enabled
    ? {
        clamav: {
          host: clamav.host,
          port: clamav.port,
          timeoutMs: clamav.timeoutMs,
          connectTimeoutMs: clamav.connectTimeoutMs,
          maxStreamBytes: clamav.maxStreamBytes,
          members: clamav.members,
          ...(clamav.socketPath === undefined ? {} : { socketPath: clamav.socketPath }),
        },
      }
    : {}),
  };
}

/** The `intel` config as the loader takes it (optional keys left out, not undefined), plus the database snapshot when given. */
export function intelSources(config: MoatConfig, database?: DatabaseIntel): IntelSources {
  const { intel } = config;
  return {
    csv: database === undefined ? intel.csv : [...intel.csv, database.path],
    ...(database === undefined ? {} : { generation: database.generation }),
    lists: intel.lists.map((list) => ({
      path: list.path,
      severity: list.severity,
      confidence: list.confidence,
      ...(list.type === undefined ? {} : { type: list.type }),
      ...(list.source === undefined ? {} : { source: list.source }),
    })),
    hashReputation: intel.hashReputation,
    maxFileBytes: intel.maxFileBytes,
  };
}

/** The analysis pool as configured: the gateway and `moat scan` run the same one. */
export function analysisPoolOptions(
  config: MoatConfig,
  options: { yaraRules?: YaraRuleSet | undefined; databaseIntel?: DatabaseIntel | undefined; onWorkerError?: (error: unknown) => void } = {},
): AnalysisPoolOptions {
  const { onWorkerError } = options;
  return {
    workers: config.analysis.workers,
    timeBudgetMs: config.analysis.timeBudgetMs,
    workerHeapMb: config.analysis.workerHeapMb,
    limits: {
      maxMessageBytes: config.smtp.limits.maxMessageBytes,
      maxMimeParts: config.analysis.maxMimeParts,
      maxMimeDepth: config.analysis.maxMimeDepth,
      expansion: config.analysis.expansion,
    },
    engines: engineSettings(config, options.yaraRules, options.databaseIntel),
    ...(onWorkerError === undefined ? {} : { onWorkerError }),
  };
}
