/**
 * IOC finding scores are data: an indicator's severity gives the base score,
 * its confidence (0–100) scales it. A critical indicator at full confidence
 * reaches the default reject threshold (40) on its own; an info one only tags nothing.
 */
import type { Finding, Severity } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { Indicator } from '../../../intel/index.js';

export const IOC_ENGINE_NAME = 'ioc';

export const IOC_SEVERITY_SCORES: Readonly<Record<Severity, number>> = { info: 0, low: 3, medium: 8, high: 15, critical: 40 };

export type IocSymbol = 'IOC_HASH_MATCH' | 'IOC_FILENAME_MATCH' | 'IOC_IP_MATCH' | 'IOC_SENDER_MATCH' | 'IOC_SUBJECT_MATCH' | 'IOC_URL_MATCH';

/** Hash reputation findings: fixed, not scaled (the lists are the operator's own). */
export const HASH_REPUTATION_FINDINGS = {
  // Known-bad file: reject on its own.
  HASH_BLOCKLISTED: { score: 100, severity: 'critical' },
  // Known-good file (own signed installer): offsets FILETYPE_* scores; policy may later suppress them on this artifact.
  HASH_ALLOWLISTED: { score: -20, severity: 'info' },
} as const satisfies Readonly<Record<string, { score: number; severity: Severity }>>;

/** Score of one indicator match: base score of its severity scaled by confidence. */
export function scoreIndicator(indicator: Indicator): number {
  return Math.round((IOC_SEVERITY_SCORES[indicator.severity] * indicator.confidence) / 100);
}

/** The finding for one indicator match; `what` says which message value matched (escaped here). */
export function indicatorFinding(symbol: IocSymbol, indicator: Indicator, what: string, artifact?: string): Finding {
  const description = indicator.description === undefined ? '' : `: ${escapeForDisplay(indicator.description)}`;
  const detail =
    `${what} matches ${indicator.type} indicator "${escapeForDisplay(indicator.value)}" from ${escapeForDisplay(indicator.source)}` +
    ` (confidence ${indicator.confidence})${description}`;
  return {
    engine: IOC_ENGINE_NAME,
    symbol,
    score: scoreIndicator(indicator),
    severity: indicator.severity,
    detail: artifact === undefined ? detail : `part ${artifact}: ${detail}`,
    ...(artifact === undefined ? {} : { artifact }),
  };
}
