import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPUTATION_DEFAULTS, reputationSchema, STATE_DEFAULTS, stateSchema, zoneSymbol } from '../config/sections/reputation.js';

describe('reputation and state config sections', () => {
  it('accept their own defaults unchanged', () => {
    assert.deepEqual(reputationSchema.parse(REPUTATION_DEFAULTS), REPUTATION_DEFAULTS);
    assert.deepEqual(stateSchema.parse(STATE_DEFAULTS), STATE_DEFAULTS);
  });

  it('validate zones: names, answers in 127/8, unique symbols per type', () => {
    const withZones = (zones: unknown[]) => reputationSchema.safeParse({ ...REPUTATION_DEFAULTS, dnsbl: { ...REPUTATION_DEFAULTS.dnsbl, zones } });
    assert.equal(withZones([{ zone: 'zen.spamhaus.org', type: 'ip', weight: 5, answers: ['127.0.0.2', '127.0.0.3'] }]).success, true);
    assert.equal(withZones([{ zone: 'zen.spamhaus.org', type: 'ip', weight: 5, answers: ['10.0.0.2'] }]).success, false);
    assert.equal(withZones([{ zone: 'not a zone', type: 'ip', weight: 5 }]).success, false);
    assert.equal(withZones([{ zone: 'a.test', type: 'ip', weight: 1, symbol: 'lower' }]).success, false);
    const clash = withZones([
      { zone: 'a.test', type: 'ip', weight: 1, symbol: 'X' },
      { zone: 'b.test', type: 'ip', weight: 1, symbol: 'X' },
    ]);
    assert.equal(clash.success, false);
    assert.match(JSON.stringify(clash.error?.issues), /already used/u);
    assert.equal(
      withZones([
        { zone: 'a.test', type: 'ip', weight: 1, symbol: 'X' },
        { zone: 'b.test', type: 'domain', weight: 1, symbol: 'X' },
      ]).success,
      true,
      'RBL_X and RHSBL_X do not clash',
    );
    assert.equal(zoneSymbol({ zone: 'zen.spamhaus.org' }), 'ZEN_SPAMHAUS_ORG');
    assert.equal(zoneSymbol({ zone: 'b.barracudacentral.org', symbol: 'BARRACUDA' }), 'BARRACUDA');
  });

  it('refuses a state URL that is not redis:// and unknown keys', () => {
    assert.equal(stateSchema.safeParse({ ...STATE_DEFAULTS, redis: { ...STATE_DEFAULTS.redis, url: 'http://x' } }).success, false);
    assert.equal(stateSchema.safeParse({ ...STATE_DEFAULTS, extra: 1 }).success, false);
  });
});
