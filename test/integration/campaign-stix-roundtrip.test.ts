// The campaign STIX export re-imports through Moat's own STIX parser (src/intel): every exported
// indicator comes back with its type, value, campaign and actor, and the parser reports no problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignMessage } from '../../src/campaigns/index.js';
import { buildCampaignReport, campaignReportStix } from '../../src/campaigns/index.js';
import { normaliseValue, parseStixBundle } from '../../src/intel/index.js';

function message(queueId: string, organizationId: number, overrides: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    queueId,
    organizationId,
    receivedAt: '2023-05-22T10:00:00Z',
    action: 'quarantine',
    status: 'quarantined',
    suspicious: true,
    clientIp: '203.0.113.5',
    helo: 'mail.attacker.example',
    mailFrom: 'ops@attacker.example',
    senderDomain: 'attacker.example',
    subject: "Minister's schedule \\ update",
    recipients: ['a@org.example'],
    attachments: [{ sha256: 'd'.repeat(64), name: "agenda 'final'.tar" }],
    urlDomains: ['evil.example'],
    findings: [],
    ...overrides,
  };
}

test('every exported indicator re-imports with its campaign and actor', () => {
  const report = buildCampaignReport({
    campaign: { id: 11, name: 'ESG tar lure', actor: 'UNC4841', createdAt: '2023-05-25T00:00:00Z' },
    messages: [message('Q1', 1), message('Q2', 2, { clientIp: '2001:db8:5::1', receivedAt: '2023-05-24T08:00:00Z' }), message('Q3', 3, { status: 'delivered', action: 'deliver' })],
    organizations: new Map([
      [1, { name: 'Ministry', country: 'US' }],
      [2, { name: 'Trade Office', country: 'TW' }],
    ]),
    senderCountry: () => 'CN',
  });
  const bundle: unknown = JSON.parse(JSON.stringify(campaignReportStix(report, { now: '2024-01-02T00:00:00Z' })));
  const result = parseStixBundle(bundle, { source: 'campaign-export' });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.context.campaigns, ['ESG tar lure']);
  const exported = report.indicators
    .map((i) => {
      const normalised = normaliseValue(i.type, i.value);
      return `${i.type} ${normalised.ok ? normalised.value : `(not normalisable: ${normalised.reason}) ${i.value}`}`;
    })
    .sort();
  const imported = result.indicators.map((i) => `${i.type} ${i.value}`).sort();
  assert.deepEqual(imported, exported);
  assert.ok(exported.some((e) => e.startsWith('ipv6 ')));
  for (const indicator of result.indicators) {
    assert.equal(indicator.campaign, 'ESG tar lure');
    assert.equal(indicator.actor, 'UNC4841');
  }
});
