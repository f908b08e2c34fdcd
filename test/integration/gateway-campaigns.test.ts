/**
 * Campaigns on a running gateway, end to end: an indicator for a lure's
 * attachment is added first; the lure then reaches recipients of three
 * organizations (with configured countries) over SMTP, beside unrelated clean
 * mail; a recluster over the API finds exactly one campaign holding exactly
 * the lure messages; its report counts organizations, countries and regions
 * exactly; the STIX export is a bundle with a campaign and sightings; the CSV
 * export is CSV; rename, split and merge work over the API and are audited.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

const payload = Buffer.from('Inert lure attachment for the campaign test: moat campaign 7f3e.\n');
const payloadSha256 = createHash('sha256').update(payload).digest('hex');
const RECIPIENTS = ['ann@acme.test', 'bob@acme.test', 'cy@globex.test', 'di@initech.test'];

function queueIdOf(text: string | undefined): string {
  const id = /(?:queued as|queue id) ([0-9A-Z]{20})/.exec(text ?? '')?.[1];
  assert.ok(id, `no queue id in ${text ?? ''}`);
  return id;
}

describe('campaigns on a running gateway', () => {
  let sink: Sink;
  let moat: TestGateway;
  let base: string;
  let session: { cookie: string; csrf: string };
  const lureIds: string[] = [];
  const cleanIds: string[] = [];

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; type: string | null }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  }
  const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      campaigns: { intervalSeconds: 0 },
      organizations: [
        { name: 'acme', country: 'US', sector: 'government' },
        { name: 'globex', country: 'DE' },
        { name: 'initech', country: 'JP' },
      ],
      domains: [
        { name: 'acme.test', organization: 'acme', recipients: 'any', nextHop: hop },
        { name: 'globex.test', organization: 'globex', recipients: 'any', nextHop: hop },
        { name: 'initech.test', organization: 'initech', recipients: 'any', nextHop: hop },
      ],
    });
    base = `http://127.0.0.1:${String(moat.httpPort)}`;
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined);
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    const cookie = /^(moat_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie);
    session = { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };

    const added = await call('POST', '/api/v1/indicators', { indicators: [{ type: 'sha256', value: payloadSha256, severity: 'critical', actor: 'APT-T' }] });
    assert.equal(added.status, 200, added.text);
    for (const to of RECIPIENTS) {
      const body = messageWithAttachment({ filename: 'invoice_0423.pdf.exe', content: payload, to, subject: 'Overdue invoice 0423' });
      const result = await sendMessage(moat.smtpPort, { from: 'billing@lure-sender.example', to: [to], body });
      lureIds.push(queueIdOf(result.data?.text));
    }
    for (const [i, to] of RECIPIENTS.entries()) {
      const result = await sendMessage(moat.smtpPort, { from: `friend${String(i)}@elsewhere.example`, to: [to], body: plainMessage({ from: `friend${String(i)}@elsewhere.example`, to, subject: `Lunch ${String(i)}`, body: `See you at ${String(i + 11)}.` }) });
      cleanIds.push(queueIdOf(result.data?.text));
    }
    const services = await openAdminServices(moat.config);
    try {
      for (const id of [...lureIds, ...cleanIds]) await waitUntil(() => services.messageLog.get(id), 15_000, `message ${id} logged`);
    } finally {
      await services.close();
    }
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  it('reclusters into one campaign of exactly the lure messages, with exact regions and exports', async () => {
    const recluster = await call('POST', '/api/v1/campaigns/recluster');
    assert.equal(recluster.status, 200, recluster.text);
    assert.equal(json(recluster.text)['campaigns'], 1);

    const list = json((await call('GET', '/api/v1/campaigns')).text)['campaigns'] as Array<{ id: number; messages: number; organizations: number; countries: number; status: string }>;
    assert.equal(list.length, 1);
    const [campaign] = list;
    assert.ok(campaign !== undefined);
    assert.deepEqual({ messages: campaign.messages, organizations: campaign.organizations, countries: campaign.countries, status: campaign.status }, { messages: 4, organizations: 3, countries: 3, status: 'active' });

    const detail = json((await call('GET', `/api/v1/campaigns/${String(campaign.id)}`)).text) as {
      members: Array<{ queueId: string; organization: string; evidence: unknown[] }>;
      report: { totals: { organizations: number; countries: number }; regions: Array<{ region: string; organizations: number; share: number }>; unknownCountryOrganizations: number };
    };
    // Precision and recall 1: every lure message, no clean one.
    assert.deepEqual(detail.members.map((m) => m.queueId).sort(), [...lureIds].sort());
    assert.ok(detail.members.every((m) => m.evidence.length > 0), 'every member says why it is there');
    assert.deepEqual(detail.members.map((m) => m.organization).sort(), ['acme', 'acme', 'globex', 'initech']);
    assert.equal(detail.report.totals.organizations, 3);
    assert.equal(detail.report.unknownCountryOrganizations, 0);
    const regions = Object.fromEntries(detail.report.regions.map((r) => [r.region, [r.organizations, r.share]]));
    assert.deepEqual(regions, { Americas: [1, 1 / 3], EMEA: [1, 1 / 3], APAC: [1, 1 / 3] });

    const stix = await call('GET', `/api/v1/campaigns/${String(campaign.id)}/export.stix.json`);
    assert.equal(stix.status, 200);
    const bundle = json(stix.text) as { type: string; objects: Array<{ type: string; count?: number }> };
    assert.equal(bundle.type, 'bundle');
    assert.equal(bundle.objects.filter((o) => o.type === 'campaign').length, 1);
    assert.ok(bundle.objects.some((o) => o.type === 'sighting'), 'sightings per organization');
    assert.ok(bundle.objects.some((o) => o.type === 'indicator' && JSON.stringify(o).includes(payloadSha256)), 'the attachment hash is an indicator');

    const csv = await call('GET', `/api/v1/campaigns/${String(campaign.id)}/export.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.type ?? '', /^text\/csv/u);
    assert.ok(csv.text.includes(payloadSha256));
    // Each message row names the evidence that joined it (the last column).
    const messageRows = csv.text.split('\r\n').filter((line) => /^[0-9A-Z]{20},\d{4}-/u.test(line));
    assert.ok(messageRows.length >= 4, 'one row per member');
    assert.ok(messageRows.every((line) => /(artifact|detection\+infrastructure|lure|url-domain)"?$/u.test(line)), messageRows.join('\n'));
  });

  it('renames, splits and merges over the API, each audited', async () => {
    const [campaign] = json((await call('GET', '/api/v1/campaigns')).text)['campaigns'] as Array<{ id: number }>;
    assert.ok(campaign !== undefined);
    const renamed = await call('PATCH', `/api/v1/campaigns/${String(campaign.id)}`, { name: 'Operation Overdue', actor: 'APT-T' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual((json(renamed.text)['campaign'] as { name: string; actor: string }).name, 'Operation Overdue');

    const split = await call('POST', `/api/v1/campaigns/${String(campaign.id)}/split`, { queueIds: [lureIds[3]], name: 'initech part' });
    assert.equal(split.status, 200, split.text);
    const part = json(split.text)['campaign'] as { id: number; name: string };
    assert.equal(part.name, 'initech part');
    const notMember = await call('POST', `/api/v1/campaigns/${String(campaign.id)}/split`, { queueIds: [cleanIds[0]] });
    assert.equal(notMember.status, 400);

    const merged = await call('POST', `/api/v1/campaigns/${String(campaign.id)}/merge`, { from: [part.id] });
    assert.equal(merged.status, 200, merged.text);
    const listed = json((await call('GET', '/api/v1/campaigns')).text)['campaigns'] as Array<{ id: number; status: string; messages: number }>;
    assert.deepEqual(listed.map((c) => [c.id, c.status, c.messages]).sort(), [[campaign.id, 'active', 4], [part.id, 'merged', 0]].sort());
    assert.equal((await call('GET', '/api/v1/campaigns/999999')).status, 404);

    // The renamed campaign keeps its name across a recluster.
    assert.equal((await call('POST', '/api/v1/campaigns/recluster')).status, 200);
    const again = json((await call('GET', `/api/v1/campaigns/${String(campaign.id)}`)).text) as { campaign: { name: string }; members: unknown[] };
    assert.equal(again.campaign.name, 'Operation Overdue');
    assert.equal(again.members.length, 4);

    const audit = json((await call('GET', '/api/v1/audit?limit=50')).text)['entries'] as Array<{ action: string; outcome: string; target?: string }>;
    const actions = audit.filter((e) => e.action.startsWith('campaign.')).map((e) => `${e.action}:${e.outcome}`);
    for (const expected of ['campaign.update:ok', 'campaign.split:ok', 'campaign.split:denied', 'campaign.merge:ok', 'campaign.recluster:ok']) assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`);
  });
});
