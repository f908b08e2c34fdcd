import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Artifact, Finding } from '../core/index.js';
import type { DomainConfig, PolicyConfig } from '../config/index.js';
import { decide, isStricter } from './decide.js';
import { EMPTY_POLICY_DOCUMENT, type PolicyDocument } from './document.js';
import { createPolicyResolver, type ResolvedPolicy } from './resolve.js';
import { BASE_POLICY } from '../../test/support/policy.js';

const domain: DomainConfig = { name: 'example.test', recipients: 'any' };
const settings = { onIncompleteAnalysis: 'quarantine' as const };

function finding(symbol: string, score: number, extra: Partial<Finding> = {}): Finding {
  return { engine: 'test', symbol, score, severity: 'medium', detail: `${symbol} seen`, ...extra };
}

function policyFor(base: Partial<PolicyConfig> = {}, document: PolicyDocument = EMPTY_POLICY_DOCUMENT, recipient = 'user@example.test', domains: DomainConfig[] = [domain]): ResolvedPolicy {
  return createPolicyResolver({ base: { ...BASE_POLICY, ...base }, domains, document, revision: 3 }).resolve(recipient);
}

const artifacts: Artifact[] = [
  { path: '1', declaredType: 'text/plain', size: 10, sha256: 'a' },
  { path: '2', declaredType: 'application/zip', declaredName: 'invoice.zip', disposition: 'attachment', detectedExtension: 'zip', size: 10, sha256: 'b' },
  { path: '2/1', declaredType: 'application/octet-stream', declaredName: 'invoice.exe', detectedExtension: 'exe', size: 10, sha256: 'c' },
];

function run(findings: Finding[], policy: ResolvedPolicy = policyFor(), sender = { mailFrom: 'someone@sender.example' }, withArtifacts = artifacts) {
  return decide({ findings, artifacts: withArtifacts, sender, queueId: 'Q1' }, policy, settings);
}

describe('policy: scores, thresholds and forced actions', () => {
  it('delivers a message without findings, naming the policy that decided', () => {
    const verdict = run([]);
    assert.equal(verdict.action, 'deliver');
    assert.equal(verdict.score, 0);
    assert.match(verdict.policyVersion, /^r3-[0-9a-f]{12}$/);
    assert.deepEqual(verdict.reasons, [`policy ${verdict.policyVersion} (installation)`]);
  });

  it('maps the summed score onto the thresholds, boundaries included', () => {
    assert.equal(run([finding('A', 4.99)]).action, 'deliver');
    assert.equal(run([finding('A', 5)]).action, 'tag');
    assert.equal(run([finding('A', 10), finding('B', 5)]).action, 'quarantine');
    assert.equal(run([finding('A', 20), finding('B', 20)]).action, 'reject');
  });

  it('explains the verdict: findings by weight, then the threshold reached', () => {
    const verdict = run([finding('SMALL', 1), finding('BIG', 16, { artifact: '1.2' })]);
    assert.equal(verdict.reasons[0], 'BIG (+16) [1.2]: BIG seen');
    assert.equal(verdict.reasons[1], 'SMALL (+1): SMALL seen');
    assert.match(verdict.reasons[2] ?? '', /score 17 reaches the quarantine threshold/);
  });

  it('counts each symbol once, at its highest score, and still lists every finding', () => {
    const verdict = run([finding('IOC_HASH_MATCH', 15), finding('IOC_HASH_MATCH', 15), finding('IOC_HASH_MATCH', 8), finding('OTHER', 2)]);
    assert.equal(verdict.score, 17);
    assert.equal(verdict.reasons.filter((r) => r.startsWith('IOC_HASH_MATCH')).length, 3);
    assert.equal(verdict.reasons.filter((r) => r.endsWith('(symbol already counted)')).length, 2);
  });

  it('applies operator score overrides and forced actions', () => {
    const overridden = policyFor({ symbolScores: { A: 0 }, symbolActions: { B: 'reject' } });
    assert.equal(run([finding('A', 30)], overridden).action, 'deliver');
    const forced = run([finding('B', 0)], overridden);
    assert.equal(forced.action, 'reject');
    assert.deepEqual(forced.reply, { code: 550, enhanced: '5.7.1', message: 'Message refused by content policy (queue id Q1)' });
    // A forced tag does not soften a rejecting score.
    assert.equal(run([finding('T', 45)], policyFor({ symbolActions: { T: 'tag' } })).action, 'reject');
  });

  it('never delivers a message whose analysis did not finish', () => {
    for (const symbol of ['ANALYSIS_TIMEOUT', 'ANALYSIS_CRASH']) {
      assert.equal(run([finding(symbol, 0)]).action, 'quarantine');
      const deferred = decide({ findings: [finding(symbol, 0)], artifacts, sender: { mailFrom: '' }, queueId: 'Q1' }, policyFor(), { onIncompleteAnalysis: 'defer' });
      assert.equal(deferred.action, 'defer');
      assert.equal(deferred.reply?.code, 451);
    }
  });

  it('fails closed on a failed engine, per engine when configured, and holds anything critical', () => {
    const failed = run([finding('YARA_FAIL', 0, { engine: 'yara', severity: 'high' })]);
    assert.equal(failed.action, 'quarantine');
    assert.match(failed.reasons.join('\n'), /YARA_FAIL forces quarantine \(policy onEngineFailure\)/);
    // clamd down: the shipped per-engine rule defers (451) rather than quarantining.
    const outage = run([finding('AV_UNAVAILABLE', 0, { engine: 'clamav', severity: 'high' })]);
    assert.equal(outage.action, 'defer');
    assert.match(outage.reasons.join('\n'), /AV_UNAVAILABLE forces defer \(policy engines\.clamav\.onFailure\)/);
    assert.equal(run([finding('VIRUS', 0, { severity: 'critical' })]).action, 'quarantine');
    const rejecting = policyFor({ criticalAction: 'reject', onEngineFailure: 'defer' });
    assert.equal(run([finding('VIRUS', 0, { severity: 'critical' })], rejecting).action, 'reject');
    assert.equal(run([finding('YARA_FAIL', 0, { engine: 'yara' })], rejecting).action, 'defer');
    // Evidence named *_FAIL by an engine that did answer is not an engine failure.
    assert.equal(run([finding('SPF_FAIL', 2, { engine: 'auth', severity: 'low' })]).action, 'deliver');
    assert.equal(run([finding('AUTH_FAIL', 0, { engine: 'auth', severity: 'high' })]).action, 'quarantine');
    // An explicit per-symbol rule comes first (an accepted risk), and a fail-open engine is a stated choice.
    assert.equal(run([finding('YARA_FAIL', 0, { engine: 'yara' })], policyFor({ symbolActions: { YARA_FAIL: 'deliver' } })).action, 'deliver');
    assert.equal(run([finding('YARA_FAIL', 0, { engine: 'yara' })], policyFor({ engines: { yara: { onFailure: 'deliver' } } })).action, 'deliver');
  });

  it('tags with the subject prefix of the resolved policy', () => {
    assert.equal(run([finding('A', 6)]).subjectPrefix, '[SUSPICIOUS]');
    const own = policyFor({}, EMPTY_POLICY_DOCUMENT, 'user@example.test', [{ ...domain, subjectPrefix: '[EXTERNAL?]' }]);
    assert.equal(run([finding('A', 6)], own).subjectPrefix, '[EXTERNAL?]');
    assert.equal(run([finding('A', 1)]).subjectPrefix, undefined);
  });

  it('puts the external-sender banner on delivered mail from outside only', () => {
    const banner = policyFor({ externalSubjectPrefix: '[EXTERNAL]' });
    const outside = decide({ findings: [], artifacts, sender: { mailFrom: 'a@partner.example' }, external: true, queueId: 'Q1' }, banner, settings);
    assert.equal(outside.externalPrefix, '[EXTERNAL]');
    const tagged = decide({ findings: [finding('A', 6)], artifacts, sender: { mailFrom: 'a@partner.example' }, external: true, queueId: 'Q1' }, banner, settings);
    assert.deepEqual([tagged.action, tagged.externalPrefix, tagged.subjectPrefix], ['tag', '[EXTERNAL]', '[SUSPICIOUS]']);
    assert.equal(decide({ findings: [], artifacts, sender: { mailFrom: 'ceo@example.test' }, external: false, queueId: 'Q1' }, banner, settings).externalPrefix, undefined);
    assert.equal(decide({ findings: [finding('A', 20)], artifacts, sender: { mailFrom: 'a@partner.example' }, external: true, queueId: 'Q1' }, banner, settings).externalPrefix, undefined);
    assert.equal(decide({ findings: [], artifacts, sender: { mailFrom: 'a@partner.example' }, external: true, queueId: 'Q1' }, policyFor(), settings).externalPrefix, undefined);
  });

  it('orders verdicts by action, then score', () => {
    assert.ok(isStricter({ action: 'reject', score: 0 }, { action: 'quarantine', score: 90 }));
    assert.ok(isStricter({ action: 'tag', score: 9 }, { action: 'tag', score: 6 }));
    assert.ok(!isStricter({ action: 'tag', score: 6 }, { action: 'tag', score: 6 }));
  });
});

describe('policy: engines, file types and senders', () => {
  it('ignores the findings of an engine the policy turns off, and says so', () => {
    const off = policyFor({ engines: { clamav: { enabled: false } } });
    const verdict = run([finding('CLAMAV_VIRUS', 100, { engine: 'clamav', severity: 'critical' }), finding('AV_UNAVAILABLE', 0, { engine: 'clamav' })], off);
    assert.equal(verdict.action, 'deliver');
    assert.ok(verdict.reasons.includes('engine clamav disabled by policy: 2 finding(s) ignored'));
  });

  it('blocks file types by content or name at any depth, and waives file-type findings only for allowed types', () => {
    const blocking = policyFor({ fileTypes: { block: ['exe'], allow: [], action: 'reject' } });
    const blocked = run([], blocking);
    assert.equal(blocked.action, 'reject');
    assert.match(blocked.reasons[0] ?? '', /^POLICY_FILETYPE_BLOCKED \(\+0\) \[2\/1\]: invoice\.exe \(2\/1\) is a \.exe file, blocked by policy$/);

    const exe = finding('FILETYPE_EXECUTABLE', 20, { engine: 'filetype', severity: 'high', artifact: '2/1' });
    assert.equal(run([exe]).action, 'quarantine');
    const allowing = policyFor({ fileTypes: { block: [], allow: ['exe'], action: 'quarantine' } });
    assert.equal(run([exe], allowing).action, 'deliver');
    // Allowing exe never waives a virus or a YARA hit on the same file ...
    assert.equal(run([exe, finding('YARA_MATCH', 10, { engine: 'yara', severity: 'critical', artifact: '2/1' })], allowing).action, 'quarantine');
    // ... nor an exe posing as a PDF (both its extensions must be allowed).
    const disguised: Artifact[] = [{ ...(artifacts[2] as Artifact), declaredName: 'invoice.pdf' }];
    assert.equal(run([exe], allowing, undefined, disguised).action, 'quarantine');
  });

  it('denies listed senders by envelope or header, and allows only when both identities match', () => {
    const lists = policyFor({ senders: { allow: ['partner.example', 'ceo@trusted.example'], deny: ['*.spam.example'], denyAction: 'reject' } });
    const denied = run([], lists, { mailFrom: 'x@mx.spam.example' });
    assert.equal(denied.action, 'reject');
    assert.equal(run([], lists, { mailFrom: 'ok@fine.example', headerFrom: 'boss@spam.example' } as never).action, 'reject');

    const suspicious = [finding('A', 20)];
    const allowed = run(suspicious, lists, { mailFrom: 'billing@partner.example', headerFrom: 'Billing@PARTNER.example' } as never);
    assert.equal(allowed.action, 'deliver');
    assert.match(allowed.reasons.join('\n'), /on the policy allow list: score thresholds not applied/);
    // A forged From: alone, or an allow-listed sender carrying malware, gets no pass.
    assert.equal(run(suspicious, lists, { mailFrom: 'x@attacker.example', headerFrom: 'ceo@trusted.example' } as never).action, 'quarantine');
    assert.equal(run(suspicious, lists, { mailFrom: 'billing@partner.example', headerFrom: 'x@attacker.example' } as never).action, 'quarantine');
    assert.equal(run([finding('VIRUS', 0, { severity: 'critical' })], lists, { mailFrom: 'billing@partner.example' }).action, 'quarantine');
  });
});

describe('policy: attachment stripping', () => {
  const stripping = policyFor({ stripAttachments: { enabled: true, notice: 'removed {name}' } });
  // Critical (forces quarantine) but under the reject threshold, like a YARA exploit rule.
  const virusInZip = finding('YARA_MATCH', 10, { engine: 'yara', severity: 'critical', artifact: '2/1' });

  it('delivers without the attachment that carries the evidence when that is all there is', () => {
    const verdict = run([virusInZip, finding('MINOR', 1, { artifact: '1' })], stripping);
    assert.equal(verdict.action, 'deliver');
    assert.deepEqual(verdict.strip, [{ part: '2', name: 'invoice.zip', type: 'application/zip', reason: 'YARA_MATCH: YARA_MATCH seen' }]);
    assert.equal(verdict.stripNotice, 'removed {name}');
    assert.match(verdict.reasons.join('\n'), /attachment 2 \(invoice\.zip\) stripped \(policy stripAttachments\)/);
  });

  it('keeps the whole message in quarantine when the evidence is not in an attachment, or stripping is off', () => {
    assert.equal(run([virusInZip]).action, 'quarantine');
    assert.equal(run([virusInZip, finding('BODY_PHISH', 20, { artifact: '1' })], stripping).action, 'quarantine');
    assert.equal(run([virusInZip, finding('HEADER_FORGED', 20)], stripping).action, 'quarantine');
    const single: Artifact[] = [{ path: '1', declaredType: 'application/zip', declaredName: 'a.zip', disposition: 'attachment', size: 1, sha256: 'x' }];
    assert.equal(run([finding('YARA_MATCH', 10, { engine: 'yara', severity: 'critical', artifact: '1' })], stripping, undefined, single).action, 'quarantine');
  });

  it('never turns a reject or a defer into a stripped delivery', () => {
    assert.equal(run([virusInZip, finding('BIG', 45, { artifact: '2' })], stripping).action, 'reject');
    assert.equal(run([finding('CLAMAV_VIRUS', 100, { engine: 'clamav', severity: 'critical', artifact: '2/1' })], stripping).action, 'reject');
    assert.equal(run([finding('AV_UNAVAILABLE', 0, { engine: 'clamav', artifact: '2' })], stripping).action, 'defer');
  });
});
