import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignMessage, CampaignReport } from './index.js';
import { buildCampaignReport, campaignReportCsv, campaignReportStix, csvCell, stixId, stixPattern } from './index.js';

function message(queueId: string, organizationId: number, overrides: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    queueId,
    organizationId,
    receivedAt: '2023-05-22T10:00:00Z',
    action: 'reject',
    status: 'rejected',
    suspicious: true,
    clientIp: '203.0.113.5',
    helo: 'mail.attacker.example',
    mailFrom: 'x@attacker.example',
    senderDomain: 'attacker.example',
    subject: '=HYPERLINK("http://evil.example","Invoice, "final"")',
    recipients: ['a@org.example'],
    attachments: [{ sha256: 'c'.repeat(64), name: "it's.tar" }],
    urlDomains: [],
    findings: [],
    ...overrides,
  };
}

function report(): CampaignReport {
  const organizations = new Map([
    [1, { name: '+Gov, Ministry', country: 'US' }],
    [2, { name: 'Trade Office', country: 'TW' }],
    [3, { name: 'Lab' }],
  ]);
  return buildCampaignReport({
    campaign: { id: 3, name: 'ESG', actor: 'UNC4841', createdAt: '2023-05-25T00:00:00Z' },
    messages: [message('Q1', 1), message('Q2', 2, { receivedAt: '2023-05-23T10:00:00Z' }), message('Q3', 3, { status: 'delivered', action: 'deliver' })],
    organizations,
    senderCountry: () => 'CN',
    evidence: new Map([['Q1', ['artifact', 'lure'] as const], ['Q2', ['artifact'] as const]]),
  });
}

test('csvCell: RFC 4180 quoting and formula neutralising', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('\r=x'), `"'\r=x"`);
  assert.equal(csvCell(-2), '-2');
  assert.equal(csvCell(undefined), '');
});

test('CSV: summary, one row per message, aggregate blocks; hostile cells are inert', () => {
  const csv = campaignReportCsv(report());
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'Campaign,ESG');
  assert.ok(lines.includes('Attributed to,UNC4841'));
  const header = lines.indexOf('queue_id,received_at,organization,country,region,recipients,recipient_count,subject,sender,client_ip,sender_country,outcome,action,status,findings,evidence');
  assert.ok(header > 0);
  assert.equal(lines[header - 1], 'Messages');
  assert.equal(
    lines[header + 1],
    `Q1,2023-05-22T10:00:00.000Z,"'+Gov, Ministry",US,Americas,a@org.example,1,"'=HYPERLINK(""http://evil.example"",""Invoice, ""final"""")",x@attacker.example,203.0.113.5,CN,blocked,reject,rejected,,artifact; lure`,
  );
  assert.ok(lines.includes('Regions'));
  assert.ok(lines.includes('Americas,1,50.0'));
  assert.ok(lines.includes('APAC,1,50.0'));
  assert.ok(csv.endsWith('\r\n'));
  // No cell anywhere starts a formula.
  assert.ok(!/(^|,)[=+@]/mu.test(csv.replace(/"[^"]*(?:""[^"]*)*"/gu, 'Q')));
});

test('STIX: spec fields, deterministic ids, every reference resolves inside the bundle', () => {
  const now = '2024-01-02T03:04:05.000Z';
  const bundle = campaignReportStix(report(), { now }) as { type: string; id: string; objects: Record<string, unknown>[] };
  assert.equal(bundle.type, 'bundle');
  assert.deepEqual(campaignReportStix(report(), { now }), bundle);
  assert.notDeepEqual((campaignReportStix(report(), { now: '2024-01-03T00:00:00Z' }) as { id: string }).id, bundle.id);
  const ids = new Set(bundle.objects.map((o) => o['id']));
  assert.equal(ids.size, bundle.objects.length);
  const uuid = /^[a-z-]+--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u;
  for (const o of bundle.objects) {
    assert.match(String(o['id']), uuid);
    assert.equal(o['spec_version'], '2.1');
    assert.equal(o['created'], now);
    assert.equal(o['modified'], now);
    assert.ok(String(o['id']).startsWith(`${String(o['type'])}--`));
    for (const [field, value] of Object.entries(o)) {
      const refs = field.endsWith('_ref') ? [value] : field.endsWith('_refs') ? (value as unknown[]) : [];
      for (const ref of refs) assert.ok(ids.has(ref), `${String(o['id'])} ${field} -> ${String(ref)}`);
    }
  }
  const of = (type: string): Record<string, unknown>[] => bundle.objects.filter((o) => o['type'] === type);
  const [campaign] = of('campaign');
  assert.equal(campaign?.['name'], 'ESG');
  assert.equal(campaign?.['first_seen'], '2023-05-22T10:00:00.000Z');
  assert.equal(of('intrusion-set')[0]?.['name'], 'UNC4841');
  assert.ok(of('relationship').some((r) => r['relationship_type'] === 'attributed-to' && r['source_ref'] === campaign?.['id']));
  const indicators = of('indicator');
  assert.ok(indicators.length >= 5);
  for (const i of indicators) {
    assert.equal(i['pattern_type'], 'stix');
    assert.ok(typeof i['valid_from'] === 'string');
    assert.ok(of('relationship').some((r) => r['relationship_type'] === 'indicates' && r['source_ref'] === i['id'] && r['target_ref'] === campaign?.['id']));
  }
  assert.ok(indicators.some((i) => i['pattern'] === "[file:name = 'it\\'s.tar']"));
  const orgs = of('identity').filter((i) => i['identity_class'] === 'organization');
  assert.equal(orgs.length, 3);
  const hash = indicators.find((i) => String(i['pattern']).includes('SHA-256'));
  const sightings = of('sighting').filter((s) => s['sighting_of_ref'] === hash?.['id']);
  assert.deepEqual(sightings.map((s) => [s['x_moat_region'], s['count'], (s['where_sighted_refs'] as unknown[]).length]).sort(), [['APAC', 1, 1], ['Americas', 1, 1], ['unknown', 1, 1]]);
  assert.equal(sightings.find((s) => s['x_moat_region'] === 'APAC')?.['first_seen'], '2023-05-23T10:00:00.000Z');
  assert.throws(() => campaignReportStix(report(), { now: 'yesterday' }), RangeError);
});

test('stixId and stixPattern', () => {
  assert.equal(stixId('indicator', 1, 'x'), stixId('indicator', 1, 'x'));
  assert.notEqual(stixId('indicator', 1, 'x'), stixId('indicator', 1, 'y'));
  assert.equal(stixPattern('subject', "a\\b'c"), "[email-message:subject = 'a\\\\b\\'c']");
  assert.equal(stixPattern('sha256', 'ab'), "[file:hashes.'SHA-256' = 'ab']");
});
