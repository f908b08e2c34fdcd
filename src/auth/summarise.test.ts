import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyArcOverride, enforceStrictAlignment } from './summarise.js';
import type { DmarcOutcome } from './types.js';

const pass: DmarcOutcome = {
  result: 'pass',
  policy: 'reject',
  domain: 'example.test',
  percent: 100,
  alignment: { spf: { mode: 'strict', aligned: true }, dkim: { mode: 'strict', aligned: true } },
};

test('strict alignment wants the exact From domain (mailauth matches organizational domains)', () => {
  const sub = { domain: 'mail.example.test', selector: 's', result: 'pass', aligned: true } as const;
  const exact = { ...sub, domain: 'example.test' };
  const spf = { result: 'pass', domain: 'bounce.example.test' } as const;
  assert.equal(enforceStrictAlignment(pass, spf, [sub]).result, 'fail');
  assert.equal(enforceStrictAlignment(pass, spf, [sub, exact]).result, 'pass');
  assert.equal(enforceStrictAlignment(pass, { ...spf, domain: 'example.test' }, [sub]).result, 'pass');
  // Relaxed on both sides: mailauth's answer stands.
  const relaxed = { ...pass, alignment: { spf: { mode: 'relaxed', aligned: true }, dkim: { mode: 'relaxed', aligned: false } } } as const;
  assert.equal(enforceStrictAlignment(relaxed, spf, [sub]), relaxed);
});

test('a DMARC failure is overridden only by a trusted sealer of a passing chain that saw dmarc=pass', () => {
  const fail: DmarcOutcome = { ...pass, result: 'fail' };
  const arc = { result: 'pass', instance: 1, sealer: 'list.test', upstreamDmarc: 'pass' } as const;
  assert.equal(applyArcOverride(fail, arc, ['LIST.test.']).arcOverride, 'list.test');
  assert.equal(applyArcOverride(fail, arc, ['other.test']).arcOverride, undefined);
  assert.equal(applyArcOverride(fail, { ...arc, upstreamDmarc: 'fail' }, ['list.test']).arcOverride, undefined);
  assert.equal(applyArcOverride(fail, { ...arc, result: 'fail' }, ['list.test']).arcOverride, undefined);
  assert.equal(applyArcOverride(pass, arc, ['list.test']).arcOverride, undefined);
});
