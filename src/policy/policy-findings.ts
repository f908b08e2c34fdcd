/**
 * What a policy's own rules add to or take from the engines' findings before
 * scoring: engines switched off, file types waived or blocked, senders
 * allowed or denied. Each change is stated in the verdict's reasons.
 */
import type { Action, Artifact, Finding } from '../core/index.js';
import { escapeForDisplay } from '../core/index.js';
import type { EffectivePolicy } from './resolve.js';
import { senderMatches } from './senders.js';

export const POLICY_ENGINE = 'policy';

export interface Sender {
  /** Envelope sender; `''` is the null sender. */
  readonly mailFrom: string;
  /** Address in the From: header, when there is one. */
  readonly headerFrom?: string;
}

export interface RuleOutcome {
  /** Findings after the policy's edits, its own findings included. */
  readonly findings: readonly Finding[];
  /** Actions the policy's own findings force, by symbol. */
  readonly forced: ReadonlyMap<string, { action: Action; rule: string }>;
  /** Lines for the verdict explaining what was ignored or waived. */
  readonly notes: readonly string[];
  /** The sender is on the allow list: score thresholds do not apply. */
  readonly senderAllowed: boolean;
}

/** Extensions an artifact shows: the detected content's and the declared name's. */
function extensionsOf(artifact: Artifact): string[] {
  const found: string[] = [];
  if (artifact.detectedExtension !== undefined) found.push(artifact.detectedExtension.toLowerCase());
  const name = artifact.declaredName;
  const dot = name === undefined ? -1 : name.lastIndexOf('.');
  if (name !== undefined && dot >= 0) {
    const ext = name.slice(dot + 1).toLowerCase();
    if (/^[a-z0-9]{1,16}$/.test(ext) && !found.includes(ext)) found.push(ext);
  }
  return found;
}

function describeArtifact(artifact: Artifact): string {
  return artifact.declaredName === undefined ? `part ${artifact.path}` : `${artifact.declaredName} (${artifact.path})`;
}

/** Applies the policy's engine, file-type and sender rules to the findings. */
export function applyPolicyRules(findings: readonly Finding[], artifacts: readonly Artifact[], sender: Sender, rules: EffectivePolicy): RuleOutcome {
  const notes: string[] = [];
  const forced = new Map<string, { action: Action; rule: string }>();
  const own: Finding[] = [];

  const disabled = new Set(Object.entries(rules.engines).filter(([, rule]) => !rule.enabled).map(([name]) => name));
  const allowedTypes = new Set(rules.fileTypes.allow);
  const waivedArtifacts = new Set(
    artifacts.filter((a) => {
      const exts = extensionsOf(a);
      return exts.length > 0 && exts.every((ext) => allowedTypes.has(ext));
    }).map((a) => a.path),
  );

  const ignored = new Map<string, number>();
  let waived = 0;
  const kept = findings.filter((finding) => {
    if (disabled.has(finding.engine)) {
      ignored.set(finding.engine, (ignored.get(finding.engine) ?? 0) + 1);
      return false;
    }
    // Only the file-type engine's own opinions are waived: never a virus, a YARA hit or an exploit structure.
    if (finding.engine === 'filetype' && finding.severity !== 'critical' && finding.artifact !== undefined && waivedArtifacts.has(finding.artifact)) {
      waived += 1;
      return false;
    }
    return true;
  });
  for (const [engine, count] of ignored) notes.push(`engine ${engine} disabled by policy: ${count} finding(s) ignored`);
  if (waived > 0) notes.push(`file types allowed by policy (${[...allowedTypes].join(', ')}): ${waived} file-type finding(s) waived`);

  const blocked = new Set(rules.fileTypes.block);
  if (blocked.size > 0) {
    for (const artifact of artifacts) {
      const hit = extensionsOf(artifact).find((ext) => blocked.has(ext));
      if (hit === undefined) continue;
      own.push({
        engine: POLICY_ENGINE,
        symbol: 'POLICY_FILETYPE_BLOCKED',
        score: 0,
        severity: 'high',
        detail: `${describeArtifact(artifact)} is a .${escapeForDisplay(hit, 16)} file, blocked by policy`,
        artifact: artifact.path,
      });
    }
    if (own.length > 0) forced.set('POLICY_FILETYPE_BLOCKED', { action: rules.fileTypes.action, rule: 'policy fileTypes.block' });
  }

  const fromHeader = sender.headerFrom;
  const denied = [sender.mailFrom, fromHeader].find((address) => address !== undefined && address !== '' && senderMatches(rules.senders.deny, address));
  if (denied !== undefined) {
    own.push({ engine: POLICY_ENGINE, symbol: 'POLICY_SENDER_DENIED', score: 0, severity: 'high', detail: `sender ${escapeForDisplay(denied, 200)} is on the policy deny list` });
    forced.set('POLICY_SENDER_DENIED', { action: rules.senders.denyAction, rule: 'policy senders.deny' });
  }
  // Without sender authentication (SPF/DKIM/DMARC come later) both identities must match,
  // so a forged From: alone cannot borrow a partner's allow entry.
  const senderAllowed =
    denied === undefined &&
    sender.mailFrom !== '' &&
    senderMatches(rules.senders.allow, sender.mailFrom) &&
    (fromHeader === undefined || senderMatches(rules.senders.allow, fromHeader));
  if (senderAllowed) notes.push(`sender ${escapeForDisplay(sender.mailFrom, 200)} is on the policy allow list: score thresholds not applied`);

  return { findings: [...kept, ...own], forced, notes, senderAllowed };
}
