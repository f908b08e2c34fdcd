import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CampaignMessage, CampaignReportInput } from './index.js';
import { buildCampaignReport, countryInfo, listCountryCodes, outcomeOf, regionOfCountry } from './index.js';

const SHA = 'a'.repeat(64);

function message(queueId: string, organizationId: number, receivedAt: string, overrides: Partial<CampaignMessage> = {}): CampaignMessage {
  return {
    queueId,
    organizationId,
    receivedAt,
    action: 'quarantine',
    status: 'quarantined',
    suspicious: true,
    clientIp: '203.0.113.5',
    helo: 'mail.attacker.example',
    mailFrom: 'Sender@Attacker.example',
    senderDomain: 'attacker.example',
    subject: '  Revised   agreement\tdraft ',
    recipients: [`user@org${organizationId}.example`],
    attachments: [{ sha256: SHA, name: 'draft.tar', type: 'tar' }],
    urlDomains: ['evil.example', 'google.com'],
    findings: [{ symbol: 'ARCHIVE_NAME_SHELL_META', detail: 'x', severity: 'critical' }],
    ...overrides,
  };
}

// 20 organizations: 11 in the Americas, 5 in EMEA, 4 in APAC, plus one of unknown country and one in Antarctica.
const COUNTRIES = ['US', 'US', 'US', 'CA', 'BR', 'MX', 'AR', 'CL', 'CO', 'PE', 'GL', 'DE', 'GB', 'AE', 'ZA', 'IR', 'JP', 'AU', 'KZ', 'TW'];

function input(): CampaignReportInput {
  const organizations = new Map<number, { name: string; country?: string; sector?: string }>();
  COUNTRIES.forEach((country, i) => organizations.set(i + 1, { name: `Org ${i + 1}`, country: i === 0 ? 'us' : country, ...(i < 3 ? { sector: 'government' } : {}) }));
  organizations.set(21, { name: 'Nowhere Inc' });
  organizations.set(22, { name: 'Polar Station', country: 'AQ' });
  const messages: CampaignMessage[] = [];
  for (let id = 1; id <= 22; id++) messages.push(message(`Q${String(id).padStart(3, '0')}`, id, `2023-05-${id <= 12 ? '22' : '23'}T0${id % 10}:00:00Z`));
  // A quiet day before and a delivered message the day after the burst.
  messages.push(message('Q100', 1, '2023-05-18T12:00:00Z', { action: 'deliver', status: 'delivered', suspicious: false, clientIp: '10.0.0.1' }));
  messages.push(message('Q101', 2, '2023-05-24T12:00:00.500Z', { action: 'tag', status: 'queued', attachments: [{ sha256: 'b'.repeat(64), name: 'notes.xls' }] }));
  return { campaign: { id: 7, name: 'ESG tar lure', actor: 'UNC4841', createdAt: '2023-05-25T00:00:00Z' }, messages, organizations, senderCountry: (ip) => (ip === '203.0.113.5' ? 'cn' : undefined) };
}

test('region shares are exact fractions over organizations with a known country', () => {
  const report = buildCampaignReport(input());
  assert.equal(report.totals.organizations, 22);
  assert.equal(report.unknownCountryOrganizations, 2);
  assert.deepEqual(report.regions, [
    { region: 'Americas', organizations: 11, share: 11 / 20 },
    { region: 'EMEA', organizations: 5, share: 5 / 20 },
    { region: 'APAC', organizations: 4, share: 4 / 20 },
  ]);
  assert.equal(report.regions[0]?.share, 0.55);
  assert.equal(report.totals.countries, 18);
  assert.deepEqual(report.countries[0], { country: 'US', name: 'United States', numeric: '840', region: 'Americas', organizations: 3, messages: 5 });
  assert.ok(report.organizations.every((o) => (o.country === undefined) === (o.region === undefined)));
  assert.deepEqual(report.sectors, [{ sector: 'government', organizations: 3, messages: 5 }]);
});

test('totals, outcomes and timeline with peaks', () => {
  const report = buildCampaignReport(input());
  assert.deepEqual(report.totals, { messages: 24, organizations: 22, recipients: 22, countries: 18, delivered: 2, blocked: 22 });
  assert.equal(report.timeline.firstSeen, '2023-05-18T12:00:00.000Z');
  assert.equal(report.timeline.lastSeen, '2023-05-24T12:00:00.500Z');
  assert.deepEqual(report.timeline.days.map((d) => [d.day, d.messages, d.delivered, d.blocked]), [
    ['2023-05-18', 1, 1, 0],
    ['2023-05-19', 0, 0, 0],
    ['2023-05-20', 0, 0, 0],
    ['2023-05-21', 0, 0, 0],
    ['2023-05-22', 12, 0, 12],
    ['2023-05-23', 10, 0, 10],
    ['2023-05-24', 1, 1, 0],
  ]);
  // Median of active days is 5.5 (1, 1, 10, 12): peaks need 11 messages; only 05-22 has them.
  assert.deepEqual(report.timeline.peaks, [{ day: '2023-05-22', messages: 12 }]);
  assert.deepEqual(report.lures, [{ subject: 'Revised agreement draft', messages: 24 }]);
  assert.deepEqual(report.attachmentTypes, [{ type: 'tar', messages: 23 }, { type: 'xls', messages: 1 }]);
  assert.deepEqual(report.findings, [{ symbol: 'ARCHIVE_NAME_SHELL_META', messages: 24 }]);
  assert.deepEqual(report.senderCountries, [{ country: 'CN', name: 'China', messages: 23 }]);
});

test('indicators: hashes, public sender IPs, domains (not common ones), senders, subjects, file names, with sightings', () => {
  const report = buildCampaignReport(input());
  const byType = (type: string): [string, number][] => report.indicators.filter((i) => i.type === type).map((i) => [i.value, i.messages]);
  assert.deepEqual(byType('sha256'), [[SHA, 23], ['b'.repeat(64), 1]]);
  assert.deepEqual(byType('ipv4'), [['203.0.113.5', 23]]);
  assert.deepEqual(byType('domain'), [['attacker.example', 24], ['evil.example', 24]]);
  assert.deepEqual(byType('email'), [['sender@attacker.example', 24]]);
  assert.deepEqual(byType('subject'), [['Revised agreement draft', 24]]);
  assert.deepEqual(byType('filename'), [['draft.tar', 23], ['notes.xls', 1]]);
  const hash = report.indicators.find((i) => i.value === SHA);
  assert.equal(hash?.sightings.length, 22);
  assert.equal(hash?.sightings.reduce((sum, s) => sum + s.messages, 0), 23);
  assert.equal(hash?.firstSeen, '2023-05-18T12:00:00.000Z');
});

test('no known country at all: shares are 0, nothing divides by zero; an empty campaign reports zeros', () => {
  const base = input();
  const report = buildCampaignReport({ ...base, organizations: new Map() });
  assert.equal(report.unknownCountryOrganizations, 22);
  assert.ok(report.regions.every((r) => r.share === 0 && r.organizations === 0));
  const empty = buildCampaignReport({ ...base, messages: [] });
  assert.equal(empty.totals.messages, 0);
  assert.deepEqual(empty.timeline, { firstSeen: '', lastSeen: '', days: [], peaks: [] });
});

test('peaks fall back to the busiest days when no day stands out', () => {
  const base = input();
  const flat = ['2023-01-01', '2023-01-02', '2023-01-03', '2023-01-04'].flatMap((day, d) => [0, 1].map((k) => message(`F${d}${k}`, 1, `${day}T10:0${k}:00Z`)));
  flat.push(message('F99', 1, '2023-01-04T11:00:00Z'));
  const report = buildCampaignReport({ ...base, messages: flat });
  assert.deepEqual(report.timeline.peaks.map((p) => [p.day, p.messages]), [['2023-01-01', 2], ['2023-01-02', 2], ['2023-01-04', 3]]);
});

test('outcome: status first, then action', () => {
  assert.equal(outcomeOf({ action: 'quarantine', status: 'delivered' }), 'delivered');
  assert.equal(outcomeOf({ action: 'deliver', status: 'quarantined' }), 'blocked');
  assert.equal(outcomeOf({ action: 'reject', status: 'received' }), 'blocked');
  assert.equal(outcomeOf({ action: 'defer', status: '' }), 'blocked');
  assert.equal(outcomeOf({ action: 'tag', status: 'queued' }), 'delivered');
  assert.equal(outcomeOf({ action: 'accept', status: 'received' }), 'other');
});

test('regions table: every ISO code once, regions as documented', () => {
  const codes = listCountryCodes();
  assert.equal(codes.length, 250);
  assert.equal(new Set(codes.map((c) => countryInfo(c)?.numeric ?? c)).size, 250);
  const expect: Record<string, string | undefined> = {
    US: 'Americas', GL: 'Americas', BM: 'Americas', FK: 'Americas', PR: 'Americas', DE: 'EMEA', RU: 'EMEA', TR: 'EMEA', IL: 'EMEA', SA: 'EMEA',
    IR: 'EMEA', EG: 'EMEA', ZA: 'EMEA', XK: 'EMEA', IN: 'APAC', PK: 'APAC', KZ: 'APAC', CN: 'APAC', TW: 'APAC', AU: 'APAC', NZ: 'APAC', UM: 'APAC', AQ: undefined, ZZ: undefined,
  };
  for (const [code, region] of Object.entries(expect)) assert.equal(regionOfCountry(code), region, code);
  assert.equal(regionOfCountry('de'), 'EMEA');
  assert.deepEqual(countryInfo('TW'), { name: 'Taiwan', numeric: '158', region: 'APAC' });
  assert.equal(countryInfo('AQ'), undefined);
  assert.ok(codes.every((c) => /^[A-Z]{2}$/u.test(c)));
  assert.ok(codes.filter((c) => c !== 'XK').every((c) => /^\d{3}$/u.test(countryInfo(c)?.numeric ?? '010')));
});
