import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../core/index.js';
import type { DomainConfig, PolicyConfig } from '../config/schema.js';
import { computePolicyVersion, decide } from './decide.js';

const policy: PolicyConfig = {
  thresholds: { tag: 5, quarantine: 15, reject: 40 },
  subjectPrefix: '[SUSPICIOUS]',
  symbolScores: {},
  symbolActions: {},
  criticalAction: 'quarantine',
  onEngineFailure: 'quarantine',
};
const settings: { policy: PolicyConfig; onIncompleteAnalysis: 'quarantine' | 'defer' } = { policy, onIncompleteAnalysis: 'quarantine' };
const domain: DomainConfig = { name: 'example.test', recipients: 'any' };

function finding(symbol: string, score: number): Finding {
  return { engine: 'test', symbol, score, severity: 'medium', detail: `${symbol} seen` };
}

function run(findings: Finding[], overrides: Partial<typeof settings> = {}, domains: DomainConfig[] = [domain]) {
  return decide({ findings, domains, queueId: 'Q1' }, { ...settings, ...overrides }, 'v1');
}

describe('policy', () => {
  it('delivers a message without findings', () => {
    const verdict = run([]);
    assert.equal(verdict.action, 'deliver');
    assert.equal(verdict.score, 0);
    assert.deepEqual(verdict.reasons, []);
  });

  it('maps the summed score onto the thresholds, boundaries included', () => {
    assert.equal(run([finding('A', 4.99)]).action, 'deliver');
    assert.equal(run([finding('A', 5)]).action, 'tag');
    assert.equal(run([finding('A', 10), finding('B', 5)]).action, 'quarantine');
    assert.equal(run([finding('A', 20), finding('B', 20)]).action, 'reject');
  });

  it('explains the verdict: findings by weight, then the threshold reached', () => {
    const verdict = run([finding('SMALL', 1), { ...finding('BIG', 16), artifact: '1.2' }]);
    assert.equal(verdict.reasons[0], 'BIG (+16) [1.2]: BIG seen');
    assert.equal(verdict.reasons[1], 'SMALL (+1): SMALL seen');
    assert.match(verdict.reasons.at(-1) ?? '', /score 17 reaches the quarantine threshold/);
    assert.equal(verdict.policyVersion, 'v1');
  });

  it('counts each symbol once, at its highest score, and still lists every finding', () => {
    const verdict = run([finding('IOC_HASH_MATCH', 15), finding('IOC_HASH_MATCH', 15), finding('IOC_HASH_MATCH', 8), finding('OTHER', 2)]);
    assert.equal(verdict.score, 17);
    assert.equal(verdict.reasons.filter((r) => r.startsWith('IOC_HASH_MATCH')).length, 3);
    assert.equal(verdict.reasons.filter((r) => r.endsWith('(symbol already counted)')).length, 2);
  });

  it('applies operator score overrides and forced actions', () => {
    const overridden = { ...policy, symbolScores: { A: 0 }, symbolActions: { B: 'reject' as const } };
    assert.equal(run([finding('A', 30)], { policy: overridden }).action, 'deliver');
    const forced = run([finding('B', 0)], { policy: overridden });
    assert.equal(forced.action, 'reject');
    assert.deepEqual(forced.reply, { code: 550, enhanced: '5.7.1', message: 'Message refused by content policy (queue id Q1)' });
  });

  it('never delivers a message whose analysis did not finish', () => {
    for (const symbol of ['ANALYSIS_TIMEOUT', 'ANALYSIS_CRASH']) {
      assert.equal(run([finding(symbol, 0)]).action, 'quarantine');
      const deferred = run([finding(symbol, 0)], { onIncompleteAnalysis: 'defer' });
      assert.equal(deferred.action, 'defer');
      assert.equal(deferred.reply?.code, 451);
    }
  });

  it('fails closed on a failed engine and holds anything critical, whatever the score', () => {
    const failed = run([{ ...finding('CLAMAV_FAIL', 0), severity: 'high' }]);
    assert.equal(failed.action, 'quarantine');
    assert.match(failed.reasons.join('\n'), /CLAMAV_FAIL forces quarantine \(policy\.onEngineFailure\)/);
    assert.equal(run([{ ...finding('VIRUS', 0), severity: 'critical' }]).action, 'quarantine');
    const rejecting = { ...policy, criticalAction: 'reject' as const, onEngineFailure: 'defer' as const };
    assert.equal(run([{ ...finding('VIRUS', 0), severity: 'critical' }], { policy: rejecting }).action, 'reject');
    assert.equal(run([finding('YARA_FAIL', 0)], { policy: rejecting }).action, 'defer');
    // An operator's explicit rule for a symbol comes first (here: an accepted risk).
    const accepted = { ...policy, symbolActions: { YARA_FAIL: 'deliver' as const } };
    assert.equal(run([finding('YARA_FAIL', 0)], { policy: accepted }).action, 'deliver');
  });

  it('the strictest action wins and per-domain thresholds apply across domains', () => {
    const strict: DomainConfig = { name: 'strict.test', recipients: 'any', thresholds: { tag: 1, quarantine: 2, reject: 3 } };
    assert.equal(run([finding('A', 2.5)], {}, [domain]).action, 'deliver');
    assert.equal(run([finding('A', 2.5)], {}, [domain, strict]).action, 'quarantine');
    // A forced quarantine is not softened by a low score, a high score is not softened by a forced tag.
    const mixed = { ...policy, symbolActions: { T: 'tag' as const } };
    assert.equal(run([finding('T', 45)], { policy: mixed }).action, 'reject');
  });

  it('tags with the subject prefix of the domain, or the global one', () => {
    assert.equal(run([finding('A', 6)]).subjectPrefix, '[SUSPICIOUS]');
    const own: DomainConfig = { ...domain, subjectPrefix: '[EXTERNAL?]' };
    assert.equal(run([finding('A', 6)], {}, [own]).subjectPrefix, '[EXTERNAL?]');
    assert.equal(run([finding('A', 1)]).subjectPrefix, undefined);
  });

  it('gives a stable policy version that changes with the settings', () => {
    const a = computePolicyVersion(policy, [domain]);
    assert.equal(a, computePolicyVersion(policy, [domain]));
    assert.notEqual(a, computePolicyVersion({ ...policy, thresholds: { ...policy.thresholds, reject: 41 } }, [domain]));
    assert.match(a, /^[0-9a-f]{12}$/);
  });
});
