import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { inspectMemberNames } from '../../analysis/archive/names/index.js';
import { regionOfCountry } from '../../campaigns/index.js';
import { CAMPAIGN_MEMBER_NAMES, CAMPAIGN_MEMBER_REASONS } from './campaign.js';
import { generateDemoDataSet } from './generate.js';
import { PROBE_MEMBER_NAME, PROBE_MEMBER_REASON } from './noise.js';
import { createSeededRandom } from './random.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const generate = (seed: number, organizations = 120) => generateDemoDataSet({ random: createSeededRandom(seed), organizations, now: NOW });

describe('demo generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generate(7);
    const b = generate(7);
    assert.deepEqual(a, b);
    const c = generate(8);
    assert.notDeepEqual(a.truth.campaignQueueIds, c.truth.campaignQueueIds);
  });

  it('creates the organizations asked for, unique, in at least 25 countries on every continent', () => {
    const data = generate(1, 300);
    assert.equal(data.organizations.length, 300);
    assert.equal(new Set(data.organizations.map((o) => o.name)).size, 300);
    assert.equal(new Set(data.organizations.map((o) => o.domain)).size, 300);
    const countries = new Set(data.organizations.map((o) => o.country));
    assert.ok(countries.size >= 25, `${countries.size} countries`);
    for (const cc of ['US', 'BR', 'DE', 'ZA', 'NG', 'JP', 'AU']) assert.ok(countries.has(cc), cc);
    for (const o of data.organizations) {
      assert.match(o.name, /^[a-z0-9][a-z0-9._-]{0,62}$/u);
      // The generator's region agrees with the product's region table.
      assert.equal(regionOfCountry(o.country), o.region, o.country);
    }
    assert.ok(data.messages.length >= 8_000 && data.messages.length <= 20_000, `${data.messages.length} messages`);
  });

  it('keeps a ground truth consistent with the messages', () => {
    const data = generate(3);
    const byId = new Map(data.messages.map((m) => [m.queueId, m]));
    assert.equal(byId.size, data.messages.length, 'queue ids unique');
    const members = data.truth.campaignQueueIds.map((id) => byId.get(id));
    assert.ok(members.every((m) => m?.kind === 'campaign'));
    assert.equal(members.length, data.messages.filter((m) => m.kind === 'campaign').length);
    assert.ok(members.length >= 60 && members.length <= 150, `${members.length} members`);
    const orgs = new Map(data.organizations.map((o) => [o.name, o]));
    const hit = new Set(members.map((m) => m?.organization));
    assert.equal(hit.size, data.truth.organizations);
    assert.equal(data.truth.organizations, 40);
    assert.deepEqual(data.truth.regionOrganizations, { Americas: 22, EMEA: 10, APAC: 8 });
    const split = { Americas: 0, EMEA: 0, APAC: 0 };
    for (const name of hit) split[orgs.get(name ?? '')?.region ?? 'APAC'] += 1;
    assert.deepEqual(split, data.truth.regionOrganizations);
    assert.equal(new Set([...hit].map((n) => orgs.get(n ?? '')?.country)).size, data.truth.countries);
    assert.ok(data.truth.countries >= 16);
    // Every target at least twice; some delivered (missed), most blocked.
    for (const name of hit) assert.ok(members.filter((m) => m?.organization === name).length >= 2, name);
    assert.equal(members.filter((m) => m?.status === 'delivered').length, data.truth.delivered);
    assert.ok(data.truth.delivered >= 3 && data.truth.delivered < data.truth.blocked);
    // The spike: its three days hold more messages each than any other day of the campaign.
    const perDay = new Map<string, number>();
    for (const m of members) perDay.set(m?.receivedAt.slice(0, 10) ?? '', (perDay.get(m?.receivedAt.slice(0, 10) ?? '') ?? 0) + 1);
    const spikeMin = Math.min(...data.truth.spikeDays.map((d) => perDay.get(d) ?? 0));
    const otherMax = Math.max(...[...perDay].filter(([d]) => !data.truth.spikeDays.includes(d)).map(([, n]) => n));
    assert.ok(spikeMin > otherMax, `spike ${spikeMin} vs ${otherMax}`);
    // Sorted by time, like a log.
    for (let i = 1; i < data.messages.length; i++) assert.ok((data.messages[i - 1]?.receivedAt ?? '') <= (data.messages[i]?.receivedAt ?? ''));
  });

  it('uses member names the product flags as ARCHIVE_NAME_SHELL_META, with the reason it gives', () => {
    const names: [string, string][] = [...Object.entries(CAMPAIGN_MEMBER_NAMES).map(([k, name]) => [name, CAMPAIGN_MEMBER_REASONS[k as keyof typeof CAMPAIGN_MEMBER_REASONS]] as [string, string]), [PROBE_MEMBER_NAME, PROBE_MEMBER_REASON]];
    for (const [name, reason] of names) {
      const issues = inspectMemberNames([{ name, kind: 'file' }]);
      const issue = issues.find((i) => i.symbol === 'ARCHIVE_NAME_SHELL_META');
      assert.ok(issue !== undefined, name);
      assert.ok(issue.reason.endsWith(`holds ${reason}`), `${issue.reason} / ${reason}`);
    }
    const data = generate(5);
    const detected = data.messages.filter((m) => m.kind === 'campaign' && m.status !== 'delivered');
    assert.ok(detected.every((m) => m.findings.some((f) => f.symbol === 'ARCHIVE_NAME_SHELL_META' && f.severity === 'critical')));
    const missed = data.messages.filter((m) => m.kind === 'campaign' && m.status === 'delivered');
    assert.ok(missed.every((m) => m.findings.length === 0 && m.action === 'deliver'));
  });

  it('refuses organization counts outside the bounds', () => {
    assert.throws(() => generate(1, 10), RangeError);
    assert.throws(() => generate(1, 100_000), RangeError);
  });
});
