/**
 * Policy turns findings into a verdict. Pure: same findings and policy, same
 * verdict. Engines never decide; this is the only place that does.
 */
import type { Action, Artifact, Finding, StrippedPart, Verdict } from '../core/index.js';
import type { AnalysisConfig } from '../config/index.js';
import { applyPolicyRules, POLICY_ENGINE, type Sender } from './policy-findings.js';
import type { EffectivePolicy, ResolvedPolicy } from './resolve.js';

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

export interface DecisionSettings {
  readonly onIncompleteAnalysis: AnalysisConfig['onTimeout'];
}

export interface DecisionInput {
  readonly findings: readonly Finding[];
  /** The message's artifacts, for file-type rules and attachment stripping. */
  readonly artifacts: readonly Artifact[];
  readonly sender: Sender;
  /** The message comes from outside: its From: is not an own domain with DMARC passing. */
  readonly external?: boolean;
  /** Queue id, quoted in reject/defer replies so a sender can cite it. */
  readonly queueId: string;
}

type Forced = { action: Action; rule: string };

/**
 * An engine failure: `<ENGINE>_FAIL` from the engine itself (the pipeline names a thrown
 * engine or dissector so), or an outage finding such as `AV_UNAVAILABLE`. Evidence that
 * merely ends in FAIL (`SPF_FAIL` from engine `auth`) is not a failure of its engine.
 */
function isEngineFailure(finding: Finding): boolean {
  return finding.symbol === `${finding.engine.toUpperCase().replace(/-/g, '_')}_FAIL` || finding.symbol.endsWith('_UNAVAILABLE');
}

/**
 * An action a finding imposes whatever the score: an operator's per-symbol
 * rule first, then the policy's own findings, then the fail-closed rules —
 * incomplete analysis, a failed engine (never silently passed; per engine
 * when the policy says so) and critical severity (malware, exploit structures).
 */
function forcedAction(finding: Finding, rules: EffectivePolicy, own: ReadonlyMap<string, Forced>, settings: DecisionSettings): Forced | undefined {
  const explicit = rules.symbolActions[finding.symbol];
  if (explicit !== undefined) return { action: explicit, rule: 'policy symbolActions' };
  if (finding.engine === POLICY_ENGINE) return own.get(finding.symbol);
  if (INCOMPLETE_ANALYSIS_SYMBOLS.has(finding.symbol)) return { action: settings.onIncompleteAnalysis, rule: 'analysis.onTimeout' };
  if (isEngineFailure(finding)) {
    const perEngine = rules.engines[finding.engine]?.onFailure;
    return perEngine === undefined ? { action: rules.onEngineFailure, rule: 'policy onEngineFailure' } : { action: perEngine, rule: `policy engines.${finding.engine}.onFailure` };
  }
  if (finding.severity === 'critical') return { action: rules.criticalAction, rule: 'policy criticalAction' };
  return undefined;
}

function thresholdAction(score: number, thresholds: EffectivePolicy['thresholds']): Action {
  if (score >= thresholds.reject) return 'reject';
  if (score >= thresholds.quarantine) return 'quarantine';
  if (score >= thresholds.tag) return 'tag';
  return 'deliver';
}

function stricter(a: Action, b: Action): Action {
  return ACTION_RANK[b] > ACTION_RANK[a] ? b : a;
}

/** True when `a` is a stricter outcome than `b` (ties: the higher score). */
export function isStricter(a: Pick<Verdict, 'action' | 'score'>, b: Pick<Verdict, 'action' | 'score'>): boolean {
  return ACTION_RANK[a.action] !== ACTION_RANK[b.action] ? ACTION_RANK[a.action] > ACTION_RANK[b.action] : a.score > b.score;
}

function describe(finding: Finding, score: number): string {
  const where = finding.artifact === undefined ? '' : ` [${finding.artifact}]`;
  return `${finding.symbol} (${score >= 0 ? '+' : ''}${score})${where}: ${finding.detail}`;
}

interface Evaluation {
  readonly action: Action;
  readonly score: number;
  readonly reasons: string[];
  /** Findings with the action each forces, for attachment stripping. */
  readonly weighed: readonly { finding: Finding; score: number; forced?: Forced }[];
}

/** Scores and forced actions over a set of findings. */
function evaluate(findings: readonly Finding[], rules: EffectivePolicy, own: ReadonlyMap<string, Forced>, senderAllowed: boolean, settings: DecisionSettings): Evaluation {
  const reasons: string[] = [];
  let score = 0;
  let forced: Action = 'deliver';
  const ranked = findings.map((finding) => ({ finding, score: rules.symbolScores[finding.symbol] ?? finding.score })).sort((a, b) => b.score - a.score);
  const weighed: Evaluation['weighed'][number][] = [];

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
    const forcedBySymbol = forcedAction(finding, rules, own, settings);
    weighed.push({ finding, score: s, ...(forcedBySymbol === undefined ? {} : { forced: forcedBySymbol }) });
    if (forcedBySymbol !== undefined) {
      forced = stricter(forced, forcedBySymbol.action);
      reasons.push(`${finding.symbol} forces ${forcedBySymbol.action} (${forcedBySymbol.rule})`);
    }
  }
  const byScore = senderAllowed ? 'deliver' : thresholdAction(score, rules.thresholds);
  if (byScore !== 'deliver') reasons.push(`score ${round(score)} reaches the ${byScore} threshold`);
  return { action: stricter(byScore, forced), score: round(score), reasons, weighed };
}

/** The MIME part an artifact path belongs to: `2/1/3` (a member of a member of part 2) is part `2`. */
function partOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(0, slash);
}

/**
 * Attachment stripping: when the message would be quarantined, try taking out
 * the attachments that carry the evidence. If what remains decides deliver
 * or tag, the message goes out without them; otherwise it stays quarantined.
 * Only named or attachment-disposition parts of a multipart message can go:
 * evidence in the body text, or about the message as a whole, cannot be cut out.
 */
function tryStrip(
  evaluation: Evaluation,
  findings: readonly Finding[],
  artifacts: readonly Artifact[],
  rules: EffectivePolicy,
  own: ReadonlyMap<string, Forced>,
  senderAllowed: boolean,
  settings: DecisionSettings,
): { evaluation: Evaluation; strip: StrippedPart[] } | undefined {
  const parts = new Map(artifacts.filter((a) => !a.path.includes('/')).map((a) => [a.path, a]));
  if (parts.size < 2) return undefined;
  const reasons = new Map<string, string>();
  for (const { finding, score, forced } of evaluation.weighed) {
    if (finding.artifact === undefined || (score <= 0 && forced === undefined)) continue;
    const part = parts.get(partOf(finding.artifact));
    const isAttachment = part !== undefined && (part.disposition === 'attachment' || part.declaredName !== undefined);
    if (!isAttachment || reasons.has(part.path)) continue;
    reasons.set(part.path, `${finding.symbol}: ${finding.detail}`.slice(0, 200));
  }
  if (reasons.size === 0) return undefined;
  const remaining = findings.filter((f) => f.artifact === undefined || !reasons.has(partOf(f.artifact)));
  const after = evaluate(remaining, rules, own, senderAllowed, settings);
  if (after.action !== 'deliver' && after.action !== 'tag') return undefined;
  const strip = [...reasons].map(([path, reason]): StrippedPart => {
    const part = parts.get(path) as Artifact;
    return { part: path, ...(part.declaredName === undefined ? {} : { name: part.declaredName }), type: part.detectedType ?? part.declaredType, reason };
  });
  return { evaluation: after, strip };
}

/** Decide what happens to a message from its findings, under one recipient's resolved policy. */
export function decide(input: DecisionInput, policy: ResolvedPolicy, settings: DecisionSettings): Verdict {
  const { rules } = policy;
  const ruled = applyPolicyRules(input.findings, input.artifacts, input.sender, rules);
  let evaluation = evaluate(ruled.findings, rules, ruled.forced, ruled.senderAllowed, settings);
  let strip: StrippedPart[] | undefined;
  if (evaluation.action === 'quarantine' && rules.stripAttachments.enabled) {
    const stripped = tryStrip(evaluation, ruled.findings, input.artifacts, rules, ruled.forced, ruled.senderAllowed, settings);
    if (stripped !== undefined) {
      strip = stripped.strip;
      evaluation = {
        ...stripped.evaluation,
        reasons: [
          ...evaluation.reasons,
          ...strip.map((s) => `attachment ${s.part}${s.name === undefined ? '' : ` (${s.name})`} stripped (policy stripAttachments): ${s.reason}`),
          `without the stripped attachments: ${stripped.evaluation.action}, score ${stripped.evaluation.score}`,
        ],
      };
    }
  }
  const reasons = [...evaluation.reasons, ...ruled.notes, `policy ${policy.version} (${policy.scopes.join(' > ')})`];
  const base = { action: evaluation.action, score: evaluation.score, reasons, policyVersion: policy.version };
  const stripping = {
    ...(strip === undefined ? {} : { strip, stripNotice: rules.stripAttachments.notice }),
    ...(input.external === true && rules.externalSubjectPrefix !== '' ? { externalPrefix: rules.externalSubjectPrefix } : {}),
  };
  switch (evaluation.action) {
    case 'reject':
      return { ...base, reply: { code: 550, enhanced: '5.7.1', message: `Message refused by content policy (queue id ${input.queueId})` } };
    case 'defer':
      return { ...base, reply: { code: 451, enhanced: '4.7.1', message: `Message deferred by content policy, try again later (queue id ${input.queueId})` } };
    case 'tag': {
      const prefix = rules.subjectPrefix;
      return prefix === undefined || prefix === '' ? { ...base, ...stripping } : { ...base, ...stripping, subjectPrefix: prefix };
    }
    case 'deliver':
      return { ...base, ...stripping };
    default:
      return base;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
