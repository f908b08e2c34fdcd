/**
 * Database indicators on a running gateway, over real HTTP and real SMTP:
 * an indicator added over the API applies to the very next message (the
 * sender on the main thread, an attachment hash in the analysis worker), a
 * CSV import applies its good lines and lists the bad one, expiring one
 * stops the match, a change written by another node (straight into the
 * database) is picked up by polling, and every change is audited. On
 * PostgreSQL, two nodes share the database: an indicator added on one
 * applies on the other within seconds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { openStorage } from '../../src/app/storage.js';
import { createIndicatorsStore } from '../../src/storage/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { dropSchema, POSTGRES_DATABASE, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, postgresUnavailableReason, uniqueSchemaName } from '../support/storage-engines.js';
import { messageWithAttachment, plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

const payload = Buffer.from('Inert attachment for the database indicator test: moat db-ioc 51c2.\n');
const payloadSha256 = createHash('sha256').update(payload).digest('hex');

function queueIdOf(text: string | undefined): string {
  const id = /(?:queued as|queue id) ([0-9A-Z]{20})/.exec(text ?? '')?.[1];
  assert.ok(id, `no queue id in ${text ?? ''}`);
  return id;
}

describe('database indicators on a running gateway', () => {
  let sink: Sink;
  let moat: TestGateway;
  let base: string;
  let admin: Session;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      intel: { refreshSeconds: 1 },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined);
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    assert.equal(res.status, 200);
    const cookie = /^(moat_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie);
    admin = { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** Sends a message and waits until it is logged with its findings; returns the ioc findings' symbols. */
  async function iocSymbols(options: { from: string; subject: string; attachment?: boolean }): Promise<string[]> {
    const body = options.attachment === true
      ? messageWithAttachment({ filename: 'notes.txt', content: payload, contentType: 'text/plain', subject: options.subject, to: 'bob@example.test' })
      : plainMessage({ from: options.from, to: 'bob@example.test', subject: options.subject });
    const result = await sendMessage(moat.smtpPort, { from: options.from, to: ['bob@example.test'], body });
    const queueId = queueIdOf(result.data?.text);
    const services = await openAdminServices(moat.config);
    try {
      const detail = await waitUntil(() => services.messageLog.get(queueId), 10_000, `message ${queueId} logged`);
      return detail.findings.filter((f) => f.engine === 'ioc').map((f) => f.symbol).sort();
    } finally {
      await services.close();
    }
  }

  const indicatorsListed = async (query: string): Promise<Array<{ id: number; type: string; value: string; source: string; active: boolean; createdBy: string }>> => {
    const res = await call('GET', `/api/v1/indicators${query}`);
    assert.equal(res.status, 200);
    return res.json['indicators'] as Array<{ id: number; type: string; value: string; source: string; active: boolean; createdBy: string }>;
  };

  it('applies an indicator added over the API to the next message, lists it, and refuses bad ones by index', async () => {
    assert.deepEqual(await iocSymbols({ from: 'billing@Bad-Sender.example', subject: 'before', attachment: true }), [], 'nothing matches before');

    const added = await call('POST', '/api/v1/indicators', {
      indicators: [
        { type: 'domain', value: 'BAD-SENDER.example.', source: 'analyst', severity: 'high', confidence: 90, description: 'lure sender', actor: 'APT-T', campaign: 'Winter' },
        { type: 'sha256', value: payloadSha256.toUpperCase(), severity: 'critical' },
        { type: 'sha256', value: 'not-a-hash' },
      ],
    });
    assert.equal(added.status, 200, JSON.stringify(added.json));
    assert.deepEqual(added.json, { added: 2, updated: 0, rejected: [{ index: 2, reason: 'not a sha256 hex digest' }] });

    // The API answers once the change is in force here: the very next message matches, on both paths.
    assert.deepEqual(await iocSymbols({ from: 'billing@mail.bad-sender.example', subject: 'after', attachment: true }), ['IOC_HASH_MATCH', 'IOC_SENDER_MATCH']);

    const listed = await indicatorsListed('?type=domain');
    assert.deepEqual(listed.map((i) => [i.value, i.source, i.active, i.createdBy]), [['bad-sender.example', 'analyst', true, 'admin']], 'stored normalised');
    assert.deepEqual((await indicatorsListed('?type=sha256')).map((i) => [i.value, i.source]), [[payloadSha256, 'manual']]);

    // The snapshot the workers load carries the attribution in the optional columns.
    const snapshot = await readFile(join(moat.config.dataDir, 'intel', 'database.csv'), 'utf8');
    assert.match(snapshot, /^type,value,source,confidence,severity,expires,description,actor,campaign,first_seen,last_seen\n/u);
    assert.match(snapshot, /domain,bad-sender\.example,analyst,90,high,,lure sender,APT-T,Winter,\d{4}-/u);

    const none = await call('POST', '/api/v1/indicators', { indicators: [{ type: 'email', value: 'no at sign' }] });
    assert.equal(none.status, 400);
    assert.deepEqual(none.json['rejected'], [{ index: 0, reason: 'not an email address' }]);
  });

  it('imports a CSV: the bad line is reported with its number, the rest applied', async () => {
    const csv = [
      'type,value,source,confidence,severity,expires,description',
      'subject,Quarterly  Bonus Statement,feed-x,80,high,,lure',
      'ipv4,300.1.2.3,feed-x,80,high,,broken',
      `sha256,${payloadSha256},feed-x,70,medium,,same hash from another feed`,
      'domain,bad-sender.example,analyst,95,critical,,seen again',
    ].join('\n');
    const imported = await call('POST', '/api/v1/indicators/import?source=feed-x', csv, 'text/csv');
    assert.equal(imported.status, 200, JSON.stringify(imported.json));
    assert.deepEqual(imported.json, { added: 2, updated: 1, rejected: [{ line: 3, reason: 'not an ipv4 address or CIDR' }], problems: [] });
    assert.deepEqual(await iocSymbols({ from: 'someone@innocent.example', subject: 'quarterly bonus   statement' }), ['IOC_SUBJECT_MATCH']);

    const bad = await call('POST', '/api/v1/indicators/import', 'type,value\ndomain,x.example\n', 'text/csv');
    assert.equal(bad.status, 400, 'no usable header: nothing imported');
    assert.equal((bad.json['rejected'] as unknown[]).length, 1);
    const neither = await call('POST', '/api/v1/indicators/import', { not: 'csv' });
    assert.equal(neither.status, 400, 'a JSON body that is neither a STIX bundle nor MISP events is refused');
    assert.match(JSON.stringify(neither.json['problems']), /not a MISP event/);
  });

  it('stops matching once expired; the rows stay listed as expired', async () => {
    const ids = (await indicatorsListed('?active=true')).filter((i) => i.type === 'sha256' || i.type === 'domain').map((i) => i.id);
    assert.equal(ids.length, 3, 'the domain and the hash from two sources');
    for (const id of ids) {
      const res = await call('POST', `/api/v1/indicators/${id}/expire`);
      assert.equal(res.status, 200);
      assert.equal((res.json['indicator'] as { active: boolean }).active, false);
    }
    assert.equal((await call('POST', '/api/v1/indicators/999999/expire')).status, 404);
    assert.deepEqual(await iocSymbols({ from: 'billing@bad-sender.example', subject: 'after expiry', attachment: true }), []);
    assert.deepEqual((await indicatorsListed('?active=false')).map((i) => i.id).sort(), [...ids].sort());
  });

  it('picks up a change made on another node within seconds (polling the generation)', async () => {
    // Another node or the CLI: a separate handle on the same database, not this node's API.
    const storage = await openStorage(moat.config);
    try {
      await createIndicatorsStore(storage.db).upsert([{ type: 'email', value: 'ceo@fraud.example', source: 'node-2', confidence: 100, severity: 'high' }], { by: 'node-2', at: new Date() });
    } finally {
      await storage.close();
    }
    await waitUntil(async () => ((await iocSymbols({ from: 'ceo@fraud.example', subject: 'wire' })).includes('IOC_SENDER_MATCH') ? true : undefined), 10_000, 'the other node’s indicator applied');
  });

  it('audits every change with its action', async () => {
    const res = await call('GET', '/api/v1/audit?limit=100');
    const entries = res.json['entries'] as Array<{ action: string; outcome: string; actor: string; target?: string }>;
    const of = (action: string): typeof entries => entries.filter((e) => e.action === action);
    assert.ok(of('indicator.add').some((e) => e.outcome === 'ok' && e.actor === 'admin'), JSON.stringify(entries));
    assert.ok(of('indicator.add').some((e) => e.outcome === 'denied'), 'the all-bad add is recorded as refused');
    assert.ok(of('indicator.import').some((e) => e.outcome === 'ok'));
    assert.equal(of('indicator.expire').filter((e) => e.outcome === 'ok').length, 3);
    assert.ok(of('indicator.expire').every((e) => e.target?.startsWith('indicator:')));
  });

  it('imports a STIX bundle, MISP events (both application/json) and a plain list (text/plain); what is not loaded is listed by object', async () => {
    const stix = {
      type: 'bundle',
      id: 'bundle--00000000-0000-4000-8000-000000000000',
      objects: [
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000001', pattern_type: 'stix', pattern: "[domain-name:value = 'stix-sender.example']", valid_from: '2024-01-01T00:00:00Z' },
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000002', pattern_type: 'stix', pattern: '[file:size > 1000]', valid_from: '2024-01-01T00:00:00Z' },
      ],
    };
    const fromStix = await call('POST', '/api/v1/indicators/import?source=advisory', stix);
    assert.equal(fromStix.status, 200, JSON.stringify(fromStix.json));
    assert.deepEqual(fromStix.json, {
      added: 1,
      updated: 0,
      rejected: [],
      problems: [{ object: 'indicator--00000000-0000-4000-8000-000000000002', reason: 'operator > is not supported (only =); not loaded: file:size > …' }],
    });
    assert.deepEqual(await iocSymbols({ from: 'billing@stix-sender.example', subject: 'stix' }), ['IOC_SENDER_MATCH']);

    const misp = {
      Event: {
        info: 'wave',
        Attribute: [
          { uuid: 'm1', type: 'email-src', value: 'ceo@misp-fraud.example', to_ids: true },
          { uuid: 'm2', type: 'mutex', value: 'Global\\x', to_ids: true },
        ],
      },
    };
    const fromMisp = await call('POST', '/api/v1/indicators/import', misp);
    assert.equal(fromMisp.status, 200, JSON.stringify(fromMisp.json));
    assert.deepEqual([fromMisp.json['added'], fromMisp.json['problems']], [1, [{ object: 'm2', reason: 'type mutex not supported; skipped' }]]);
    assert.deepEqual(await iocSymbols({ from: 'ceo@misp-fraud.example', subject: 'misp' }), ['IOC_SENDER_MATCH']);

    const fromList = await call('POST', '/api/v1/indicators/import?type=subject&source=lures', 'Payroll   update\n# a comment\nYour parcel #5 is waiting\n', 'text/plain');
    assert.equal(fromList.status, 200, JSON.stringify(fromList.json));
    assert.deepEqual(fromList.json, { added: 2, updated: 0, rejected: [], problems: [] });
    assert.deepEqual(await iocSymbols({ from: 'someone@innocent.example', subject: 'payroll update' }), ['IOC_SUBJECT_MATCH']);
    const listed = await indicatorsListed('?source=lures');
    assert.deepEqual(listed.map((i) => i.value).sort(), ['payroll update', 'your parcel #5 is waiting']);

    const audit = ((await call('GET', '/api/v1/audit?limit=20')).json['entries'] as Array<{ action: string; detail?: { format?: string } }>).filter((e) => e.action === 'indicator.import');
    assert.deepEqual(audit.slice(0, 3).map((e) => e.detail?.format), ['list', 'misp', 'stix']);
  });
});

describe('database indicators across two nodes on PostgreSQL', { skip: await postgresUnavailableReason() }, () => {
  const schema = uniqueSchemaName('indicators');
  const storage = { backend: 'postgres', postgres: { url: `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DATABASE}`, schema } };
  let first: TestGateway;
  let second: TestGateway;

  before(async () => {
    first = await startTestGateway({ node: { id: 'node-a' }, storage, intel: { refreshSeconds: 1 }, domains: [{ name: 'example.test', recipients: 'any' }] });
    second = await startTestGateway({ node: { id: 'node-b' }, storage, intel: { refreshSeconds: 1 }, domains: [{ name: 'example.test', recipients: 'any' }] });
  });

  after(async () => {
    await second?.stop();
    await first?.stop();
    await dropSchema(schema);
  });

  it('an indicator added over node A’s API matches on node B within seconds', async () => {
    const base = `http://127.0.0.1:${first.httpPort}`;
    const signedIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: first.gateway.firstAdminPassword }) });
    assert.equal(signedIn.status, 200);
    const cookie = /^(moat_session=[^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const csrf = ((await signedIn.json()) as { csrfToken: string }).csrfToken;
    const added = await fetch(`${base}/api/v1/indicators`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ indicators: [{ type: 'domain', value: 'two-nodes.example', severity: 'high' }] }),
    });
    assert.equal(added.status, 200);
    const matchedOnB = async (): Promise<true | undefined> => {
      const result = await sendMessage(second.smtpPort, { from: 'x@two-nodes.example', to: ['bob@example.test'], body: plainMessage({ from: 'x@two-nodes.example', to: 'bob@example.test', subject: 'hello' }) });
      const queueId = queueIdOf(result.data?.text);
      const services = await openAdminServices(second.config);
      try {
        const detail = await waitUntil(() => services.messageLog.get(queueId), 10_000, `message ${queueId} logged`);
        return detail.findings.some((f) => f.symbol === 'IOC_SENDER_MATCH') ? true : undefined;
      } finally {
        await services.close();
      }
    };
    await waitUntil(matchedOnB, 10_000, 'node B applies node A’s indicator');
  });
});
