import type { AnalysisPoolOptions, EngineSettings } from '../analysis/index.js';
import type { MoatConfig } from '../config/index.js';

/** Engines beyond the built-in ones, as configured (serialised into every analysis task). */
export function engineSettings(config: MoatConfig): EngineSettings {
  const { clamav } = config.analysis;
  return clamav.enabled
    ? {
        clamav: {
          host: clamav.host,
          port: clamav.port,
          timeoutMs: clamav.timeoutMs,
          connectTimeoutMs: clamav.connectTimeoutMs,
          maxStreamBytes: clamav.maxStreamBytes,
          ...(clamav.socketPath === undefined ? {} : { socketPath: clamav.socketPath }),
        },
      }
    : {};
}

/** The analysis pool as configured: the gateway and `moat scan` run the same one. */
export function analysisPoolOptions(config: MoatConfig, onWorkerError?: (error: unknown) => void): AnalysisPoolOptions {
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
    engines: engineSettings(config),
    ...(onWorkerError === undefined ? {} : { onWorkerError }),
  };
}
