/** Observability: the root logger and the Prometheus metrics registry. */
export { createLogger, LOG_REDACTED, REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { createMetrics, METRIC_NAMES } from './metrics.js';
export type { Metrics, SmtpConnectionResult, DeliveryOutcome, QueueDepthSource, DurationRecorder } from './metrics.js';
