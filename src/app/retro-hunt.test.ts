import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { huntOutcome, normaliseHuntIndicator } from './retro-hunt.js';

describe('retro-hunt outcome and typed indicators', () => {
  it('counts as delivered only what reached mailboxes or is on its way there', () => {
    assert.equal(huntOutcome('delivered', 'deliver'), 'delivered');
    assert.equal(huntOutcome('partially-delivered', 'tag'), 'delivered');
    assert.equal(huntOutcome('released', 'quarantine'), 'delivered', 'released from the quarantine into the mailbox');
    assert.equal(huntOutcome('queued', 'deliver'), 'delivered', 'accepted, delivery pending');
    assert.equal(huntOutcome('deferred', 'tag'), 'delivered');
    assert.equal(huntOutcome('quarantined', 'quarantine'), 'blocked');
    assert.equal(huntOutcome('rejected', 'reject'), 'blocked');
    assert.equal(huntOutcome('deferred', 'defer'), 'blocked', 'refused with a 4xx: never accepted');
    assert.equal(huntOutcome('bounced', 'deliver'), 'blocked');
    assert.equal(huntOutcome('deleted', 'quarantine'), 'blocked');
  });

  it('normalises a typed indicator as the loaders do, and says why not', () => {
    assert.deepEqual(normaliseHuntIndicator('domain', 'Evil.Example.'), { type: 'domain', value: 'evil.example' });
    assert.deepEqual(normaliseHuntIndicator('ipv4', '10.1.2.3/8'), { type: 'ipv4', value: '10.0.0.0/8' });
    assert.equal(normaliseHuntIndicator('sha256', 'xyz'), 'not a sha256 hex digest');
    assert.match(String(normaliseHuntIndicator('colour', 'red')), /unknown indicator type "colour"/u);
  });
});
