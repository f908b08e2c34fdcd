/**
 * Policy turns findings into a verdict. Pure: same findings and settings,
 * same verdict. Engines never decide; this is the only place that does.
 */
import { createHash } from 'node:crypto';
import type { Action, Finding, Verdict } from '../core/index.js';
import type { AnalysisConfig, DomainConfig, PolicyConfig } from '../config/schema.js';

/** Severity of actions when several apply: the strictest wins. */
const ACTION_RANK: Readonly<Record<Action, number>> = {
  deliver: 0,
  tag: 1,
  quarantine: 2,
  defer: 3,
  reject: 4,
};

/** Findings that mean "we could not finish looking"; they take analysis.onTimeout. */
const INCOMPLETE_ANALYSIS_SYMBOLS: ReadonlySet<string> = new Set(['ANALYSIS_TIMEOUT', 'ANALYSIS_CRASH']);

export interface PolicySettings {
  readonly policy: PolicyConfig;
  readonly onIncompleteAnalysis: AnalysisConfig['onTimeout'];
}

export interface DecisionInput {
  readonly findings: readonly Finding[];
  /** Domains of the message's recipients; the strictest setting of any applies. */
  readonly domains: readonly DomainConfig[];
  /** Queue id, quoted in reject/defer replies so a sender can cite it. */
  readonly queueId: string;
}

/** Score a finding contributes after operator overrides. */
function scoreOf(finding: Finding, policy: PolicyConfig): number {
  return policy.symbolScores[finding.symbol] ?? finding.score;
}

/**
 * An action a finding imposes whatever the score: an operator's per-symbol
 * rule first, then the fail-closed rules — incomplete analysis, a failed
 * engine (`<ENGINE>_FAIL`, never silently passed) and critical severity
 * (malware, exploit structures).
 */
function forcedAction(finding: Finding, settings: PolicySettings): { action: Action; rule: string } | undefined {
  const { policy } = settings;
  const explicit = policy.symbolActions[finding.symbol];
  if (explicit !== undefined) return { action: explicit, rule: 'policy.symbolActions' };
  if (INCOMPLETE_ANALYSIS_SYMBOLS.has(finding.symbol)) return { action: settings.onIncompleteAnalysis, rule: 'analysis.onTimeout' };
  if (finding.symbol.endsWith('_FAIL')) return { action: policy.onEngineFailure, rule: 'policy.onEngineFailure' };
  if (finding.severity === 'critical') return { action: policy.criticalAction, rule: 'policy.criticalAction' };
  return undefined;
}

function thresholdAction(score: number, thresholds: PolicyConfig['thresholds']): Action {
  if (score >= thresholds.reject) return 'reject';
  if (score >= thresholds.quarantine) return 'quarantine';
  if (score >= thresholds.tag) return 'tag';
  return 'deliver';
}

function stricter(a: Action, b: Action): Action {
  return ACTION_RANK[b] > ACTION_RANK[a] ? b : a;
}

function describe(finding: Finding, score: number): string {
  const where = finding.artifact === undefined ? '' : ` [${finding.artifact}]`;
  return `${finding.symbol} (${score >= 0 ? '+' : ''}${score})${where}: ${finding.detail}`;
}

/** Short stable hash of the settings that decided, recorded with each verdict. */
export function computePolicyVersion(policy: PolicyConfig, domains: readonly DomainConfig[]): string {
  const material = JSON.stringify({
    policy,
    domains: domains.map((d) => ({ name: d.name, thresholds: d.thresholds, subjectPrefix: d.subjectPrefix })),
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 12);
}

/** Decide what happens to a message from its findings. */
export function decide(input: DecisionInput, settings: PolicySettings, policyVersion: string): Verdict {
  const { policy } = settings;
  const reasons: string[] = [];
  let score = 0;
  let forced: Action = 'deliver';

  const ranked = input.findings
    .map((finding) => ({ finding, score: scoreOf(finding, policy) }))
    .sort((a, b) => b.score - a.score);

  // Like rspamd's symbols, each symbol counts once, at its highest score: the
  // same finding on a second reading of a polyglot, or on the fiftieth copy of
  // one file, adds evidence to the explanation but not to the score.
  const counted = new Set<string>();
  for (const { finding, score: s } of ranked) {
    if (counted.has(finding.symbol)) {
      reasons.push(`${describe(finding, s)} (symbol already counted)`);
    } else {
      counted.add(finding.symbol);
      score += s;
      reasons.push(describe(finding, s));
    }
    const forcedBySymbol = forcedAction(finding, settings);
    if (forcedBySymbol !== undefined) {
      forced = stricter(forced, forcedBySymbol.action);
      reasons.push(`${finding.symbol} forces ${forcedBySymbol.action} (${forcedBySymbol.rule})`);
    }
  }

  // Recipients in several domains: the strictest thresholds win, so one
  // permissive domain cannot wave a message through for the others.
  let byScore: Action = 'deliver';
  let subjectPrefix = policy.subjectPrefix;
  const domainThresholds = input.domains.length > 0 ? input.domains : [undefined];
  for (const domain of domainThresholds) {
    const thresholds = domain?.thresholds ?? policy.thresholds;
    byScore = stricter(byScore, thresholdAction(score, thresholds));
    if (domain?.subjectPrefix !== undefined) subjectPrefix = domain.subjectPrefix;
  }
  if (byScore !== 'deliver') reasons.push(`score ${round(score)} reaches the ${byScore} threshold`);

  const action = stricter(byScore, forced);
  const base = { action, score: round(score), reasons, policyVersion };
  switch (action) {
    case 'reject':
      return {
        ...base,
        reply: { code: 550, enhanced: '5.7.1', message: `Message refused by content policy (queue id ${input.queueId})` },
      };
    case 'defer':
      return {
        ...base,
        reply: { code: 451, enhanced: '4.7.1', message: `Message deferred by content policy, try again later (queue id ${input.queueId})` },
      };
    case 'tag':
      return subjectPrefix === undefined || subjectPrefix === '' ? base : { ...base, subjectPrefix };
    default:
      return base;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
