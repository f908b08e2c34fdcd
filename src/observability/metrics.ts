/**
 * Prometheus metrics. One registry per process (never prom-client's global
 * one, so tests and embedders get isolated counters), with typed recorders:
 * callers pass label values from closed unions, never free strings, which
 * keeps label cardinality bounded and names in one place.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Action } from '../core/index.js';

/** How an SMTP connection ended up at the front door. */
export type SmtpConnectionResult =
  | 'accepted'
  /** Refused: total or per-IP connection limit. */
  | 'limit'
  /** Refused: per-IP connection rate. */
  | 'rate'
  /** Refused by a connection check (early talker, HTTP on SMTP, blocklist). */
  | 'rejected'
  | 'error';

/** Outcome of one delivery attempt (mirrors the delivery runner's outcomes). */
export type DeliveryOutcome = 'delivered' | 'deferred' | 'failed';

/** A source for the queue depth gauge, asked at scrape time. */
export type QueueDepthSource = () => Promise<number>;

/** Recorder of a duration histogram. */
export interface DurationRecorder {
  observe(seconds: number): void;
  /** Starts a timer; calling the result records the elapsed seconds and returns them. */
  startTimer(): () => number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly smtpConnections: { inc(result: SmtpConnectionResult): void };
  readonly smtpConnectionsActive: { inc(): void; dec(): void };
  readonly messages: { inc(action: Action): void };
  readonly analysisSeconds: DurationRecorder;
  readonly smtpDataReplySeconds: DurationRecorder;
  readonly findings: { inc(symbol: string): void };
  readonly delivery: { inc(outcome: DeliveryOutcome): void };
  readonly spoolBytes: { inc(bytes: number): void };
  /** Sets where `moat_queue_depth` reads from (the queue store, wired by `app/`). */
  setQueueDepthSource(source: QueueDepthSource): void;
  /** The exposition text and its content type, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Metric names, exported so tests and dashboards refer to one spelling. */
export const METRIC_NAMES = {
  smtpConnections: 'moat_smtp_connections_total',
  smtpConnectionsActive: 'moat_smtp_connections_active',
  messages: 'moat_messages_total',
  analysisSeconds: 'moat_analysis_seconds',
  smtpDataReplySeconds: 'moat_smtp_data_reply_seconds',
  findings: 'moat_findings_total',
  queueDepth: 'moat_queue_depth',
  delivery: 'moat_delivery_total',
  spoolBytes: 'moat_spool_bytes_total',
} as const;

/** 1 ms to 30 s: fast clean messages up to the longest analysis budget worth distinguishing. */
const ANALYSIS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** The reply to DATA waits on spool fsync and analysis; senders time out after minutes (RFC 5321 4.5.3.2.6). */
const DATA_REPLY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120];
/** A scrape must not hang on a slow queue store. */
const QUEUE_DEPTH_TIMEOUT_MS = 2000;
/** Finding symbols are UPPER_SNAKE codes from our engines; anything else collapses to one label value. */
const SYMBOL = /^[A-Z][A-Z0-9_]{0,63}$/;

function durationRecorder(histogram: Histogram): DurationRecorder {
  return {
    observe: (seconds) => histogram.observe(seconds),
    startTimer: () => histogram.startTimer(),
  };
}

async function readWithTimeout(source: QueueDepthSource): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('queue depth source timed out')), QUEUE_DEPTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([source(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Creates a registry with default process metrics and Moat's named metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const smtpConnections = new Counter({
    name: METRIC_NAMES.smtpConnections,
    help: 'SMTP connections by result at the front door.',
    labelNames: ['result'] as const,
    registers,
  });
  const smtpConnectionsActive = new Gauge({
    name: METRIC_NAMES.smtpConnectionsActive,
    help: 'SMTP connections currently open.',
    registers,
  });
  const messages = new Counter({
    name: METRIC_NAMES.messages,
    help: 'Messages by verdict action.',
    labelNames: ['action'] as const,
    registers,
  });
  const analysisSeconds = new Histogram({
    name: METRIC_NAMES.analysisSeconds,
    help: 'Time to analyse one message.',
    buckets: ANALYSIS_BUCKETS,
    registers,
  });
  const smtpDataReplySeconds = new Histogram({
    name: METRIC_NAMES.smtpDataReplySeconds,
    help: 'Time from the end of DATA to the reply.',
    buckets: DATA_REPLY_BUCKETS,
    registers,
  });
  const findings = new Counter({
    name: METRIC_NAMES.findings,
    help: 'Findings by symbol.',
    labelNames: ['symbol'] as const,
    registers,
  });
  const delivery = new Counter({
    name: METRIC_NAMES.delivery,
    help: 'Delivery attempts by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const spoolBytes = new Counter({
    name: METRIC_NAMES.spoolBytes,
    help: 'Bytes written to the spool.',
    registers,
  });

  let queueDepthSource: QueueDepthSource | undefined;
  new Gauge({
    name: METRIC_NAMES.queueDepth,
    help: 'Recipients waiting in the delivery queue (NaN when the queue could not be read).',
    registers,
    async collect() {
      if (queueDepthSource === undefined) return;
      try {
        this.set(await readWithTimeout(queueDepthSource));
      } catch {
        // A failing queue store must not fail the whole scrape; NaN makes the gap visible
        // (and /healthz reports the store itself).
        this.set(Number.NaN);
      }
    },
  });

  return {
    registry,
    smtpConnections: { inc: (result) => smtpConnections.inc({ result }) },
    smtpConnectionsActive: { inc: () => smtpConnectionsActive.inc(), dec: () => smtpConnectionsActive.dec() },
    messages: { inc: (action) => messages.inc({ action }) },
    analysisSeconds: durationRecorder(analysisSeconds),
    smtpDataReplySeconds: durationRecorder(smtpDataReplySeconds),
    findings: { inc: (symbol) => findings.inc({ symbol: SYMBOL.test(symbol) ? symbol : 'INVALID_SYMBOL' }) },
    delivery: { inc: (outcome) => delivery.inc({ outcome }) },
    spoolBytes: { inc: (bytes) => spoolBytes.inc(bytes) },
    setQueueDepthSource(source) {
      queueDepthSource = source;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
