/**
 * Whether a remote reply ends delivery (permanent) or asks us to retry
 * (temporary). The rules are data so an operator-facing table, not an `if`
 * chain, says how a reply is treated; the first matching rule wins.
 */

export type ReplyClass = 'permanent' | 'temporary';

export interface ReplyRule {
  /** Exact basic reply code, e.g. 552. */
  readonly code?: number;
  /** Enhanced status code (RFC 3463) prefix, e.g. `5.2.2` or `4.`. */
  readonly enhanced?: string;
  /** First digit of the basic code. */
  readonly codeClass?: 2 | 3 | 4 | 5;
  readonly outcome: ReplyClass;
  /** Why the rule exists. */
  readonly reason: string;
}

export const DEFAULT_REPLY_RULES: readonly ReplyRule[] = [
  {
    enhanced: '5.2.2',
    outcome: 'temporary',
    reason: 'RFC 3463 X.2.2 mailbox full: the owner can make room, use it as a persistent transient failure',
  },
  {
    code: 552,
    enhanced: '5.5.3',
    outcome: 'temporary',
    reason: 'RFC 5321 §4.5.3.1.10: 552 for too many recipients is to be treated as temporary',
  },
  { codeClass: 5, outcome: 'permanent', reason: 'RFC 5321 §4.2.1: 5yz is a permanent negative completion' },
  { codeClass: 4, outcome: 'temporary', reason: 'RFC 5321 §4.2.1: 4yz is a transient negative completion' },
];

function matches(rule: ReplyRule, code: number, enhanced: string | undefined): boolean {
  if (rule.code !== undefined && rule.code !== code) return false;
  if (rule.codeClass !== undefined && Math.floor(code / 100) !== rule.codeClass) return false;
  if (rule.enhanced !== undefined) {
    if (enhanced === undefined) return false;
    if (enhanced !== rule.enhanced && !enhanced.startsWith(rule.enhanced.endsWith('.') ? rule.enhanced : `${rule.enhanced}.`)) {
      return false;
    }
  }
  return true;
}

/**
 * Classifies an SMTP reply. A code of 0 (or anything unknown: network
 * errors, timeouts, garbage) is temporary: we would rather retry than bounce
 * on a fault that was never the recipient's.
 */
export function classifyReply(
  code: number,
  enhanced?: string,
  rules: readonly ReplyRule[] = DEFAULT_REPLY_RULES,
): ReplyClass {
  for (const rule of rules) {
    if (matches(rule, code, enhanced)) return rule.outcome;
  }
  return 'temporary';
}

const REPLY = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3})\b)?/;

/** Splits a reply line such as `550 5.1.1 no such user` into its codes. */
export function parseReplyCodes(reply: string): { code: number; enhanced?: string } {
  const m = REPLY.exec(reply.trimStart());
  if (!m || m[1] === undefined) return { code: 0 };
  const code = Number(m[1]);
  return m[2] === undefined ? { code } : { code, enhanced: m[2] };
}
