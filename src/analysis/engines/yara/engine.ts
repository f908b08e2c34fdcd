/**
 * The YARA engine: every artifact's decoded content (archive members included)
 * is matched against the compiled rule set. A matching rule becomes the finding
 * `YARA_<RULE_NAME>`, so policy can override one rule's score or action; score
 * and severity come from the rule's own meta.
 */
import { Buffer } from 'node:buffer';
import type { RuleMatch } from '@litko/yara-x';
import type { Finding, Severity } from '../../../core/index.js';
import { escapeForDisplay, SEVERITIES } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import type { CompiledRules } from './compile.js';

export const YARA_ENGINE_NAME = 'yara';
/** Meta defaults for a rule that does not say (documented in rules/yara/README.md). */
export const YARA_DEFAULT_SCORE = 10;
export const YARA_DEFAULT_SEVERITY: Severity = 'high';
// Scores a rule may claim: the policy thresholds are in this range; a typo such as 5000 is capped.
const MAX_RULE_SCORE = 100;
// Pattern identifiers quoted per finding: enough to see why, bounded for the log.
const MAX_IDENTIFIERS = 10;

/** Fixed symbols of the engine itself (rule hits are YARA_<RULE>). */
export const YARA_SYMBOLS = {
  /** More rules matched one artifact than maxMatchesPerArtifact; the rest are not reported. */
  YARA_MATCH_LIMIT: { score: 0, severity: 'info' },
  /** The artifact was larger than maxScanBytes: only its head was matched. */
  YARA_SCAN_TRUNCATED: { score: 5, severity: 'medium' },
} as const satisfies Record<string, { score: number; severity: Severity }>;

export interface YaraEngineOptions {
  /** Rule findings reported per artifact; the rest collapse into YARA_MATCH_LIMIT. Default 20. */
  readonly maxMatchesPerArtifact?: number;
  /**
   * Bytes of one artifact handed to the scanner. The binding has no scan timeout,
   * so size (and the compile-time ban on slow patterns) is what bounds a scan; the
   * pool's task deadline is the backstop. Default 64 MiB.
   */
  readonly maxScanBytes?: number;
}

const DEFAULT_MAX_MATCHES = 20;
const DEFAULT_MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** `YARA_` + the rule identifier upper-cased and reduced to [A-Z0-9_]. */
export function yaraSymbol(ruleIdentifier: string): string {
  return `YARA_${ruleIdentifier.toUpperCase().replace(/[^A-Z0-9_]/gu, '_')}`;
}

/** Creates the `yara` engine over rules compiled in this thread. */
export function createYaraEngine(rules: CompiledRules, options: YaraEngineOptions = {}): Engine {
  const maxMatches = options.maxMatchesPerArtifact ?? DEFAULT_MAX_MATCHES;
  const maxScanBytes = options.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;
  return {
    name: YARA_ENGINE_NAME,
    inspect(subject: EngineSubject): readonly Finding[] {
      const { content } = subject;
      // Listed-but-not-extracted members have no content: nothing to match.
      if (content.length === 0) return [];
      const path = subject.artifact.path;
      const findings: Finding[] = [];
      const scanned = content.length > maxScanBytes ? content.subarray(0, maxScanBytes) : content;
      if (scanned !== content) {
        findings.push(fixed('YARA_SCAN_TRUNCATED', `only the first ${maxScanBytes} of ${content.length} bytes were matched against the YARA rules`, path));
      }
      // A view, not a copy: the binding wants a Buffer.
      const matches = rules.scanner.scan(Buffer.from(scanned.buffer, scanned.byteOffset, scanned.byteLength));
      for (const match of matches.slice(0, maxMatches)) findings.push(ruleFinding(match, path));
      if (matches.length > maxMatches) {
        findings.push(fixed('YARA_MATCH_LIMIT', `${matches.length} YARA rules matched, only the first ${maxMatches} are reported`, path));
      }
      return findings;
    },
  };
}

function ruleFinding(match: RuleMatch, path: string): Finding {
  const meta = isRecord(match.meta) ? match.meta : {};
  const identifiers = [...new Set(match.matches.map((m) => m.identifier))];
  const quoted = identifiers.slice(0, MAX_IDENTIFIERS).join(', ') + (identifiers.length > MAX_IDENTIFIERS ? ', ...' : '');
  const tags = match.tags.length === 0 ? '' : ` [${escapeForDisplay(match.tags.join(', '), 128)}]`;
  const description = typeof meta['description'] === 'string' ? `: ${escapeForDisplay(meta['description'], 200)}` : '';
  const strings = identifiers.length === 0 ? ' (condition only)' : ` (strings ${escapeForDisplay(quoted, 200)})`;
  return {
    engine: YARA_ENGINE_NAME,
    symbol: yaraSymbol(match.ruleIdentifier),
    score: scoreOf(meta['score']),
    severity: severityOf(meta['severity']),
    detail: `part ${path}: YARA rule ${escapeForDisplay(match.ruleIdentifier, 128)}${tags} matched${strings}${description}`,
    artifact: path,
  };
}

function fixed(symbol: keyof typeof YARA_SYMBOLS, detail: string, path: string): Finding {
  const { score, severity } = YARA_SYMBOLS[symbol];
  return { engine: YARA_ENGINE_NAME, symbol, score, severity, detail: `part ${path}: ${detail}`, artifact: path };
}

function scoreOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return YARA_DEFAULT_SCORE;
  return Math.min(value, MAX_RULE_SCORE);
}

function severityOf(value: unknown): Severity {
  const found = typeof value === 'string' ? SEVERITIES.find((s) => s === value.toLowerCase()) : undefined;
  return found ?? YARA_DEFAULT_SEVERITY;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
