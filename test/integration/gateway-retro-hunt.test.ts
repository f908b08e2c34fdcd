/**
 * Retro-hunt on a running gateway, over real SMTP and HTTP: mail from one
 * sender reaches two organizations (delivered to one, quarantined for the
 * other); an indicator added over the API afterwards starts a hunt in the
 * background that lists both messages under their organization with the
 * right outcome, marks them on the message page and in the trace; the CLI's
 * `moat intel hunt` finds the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { runCliInProcess } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

interface HuntView {
  readonly run: { readonly id: number; readonly trigger: string; readonly finishedAt?: string };
  readonly organizations: ReadonlyArray<{ readonly name: string; readonly delivered: ReadonlyArray<{ readonly queueId: string }>; readonly blocked: ReadonlyArray<{ readonly queueId: string; readonly status: string }> }>;
}

describe('retro-hunt on a running gateway', () => {
  let sink: Sink;
  let moat: TestGateway;
  let base: string;
  let cookie: string;
  let csrf: string;
  let delivered: string;
  let held: string;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [
        { name: 'acme', nextHop: hop },
        { name: 'globex', nextHop: hop },
      ],
      domains: [
        { name: 'acme.test', recipients: 'any', organization: 'acme' },
        { name: 'globex.test', recipients: 'any', organization: 'globex' },
      ],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: moat.gateway.firstAdminPassword }) });
    assert.equal(res.status, 200);
    cookie = /^(moat_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
    csrf = ((await res.json()) as { csrfToken: string }).csrfToken;

    // The same sender domain reaches both organizations: a plain message delivered, an executable held.
    delivered = queueIdOf((await sendMessage(moat.smtpPort, { from: 'billing@lure-sender.example', to: ['bob@acme.test'], body: plainMessage({ from: 'billing@lure-sender.example', to: 'bob@acme.test', subject: 'invoice 42' }) })).data);
    held = queueIdOf(
      (await sendMessage(moat.smtpPort, { from: 'billing@lure-sender.example', to: ['carol@globex.test'], body: messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), subject: 'invoice 43', to: 'carol@globex.test' }) })).data,
    );
    const admin = await openAdminServices(moat.config);
    try {
      await waitUntil(async () => ((await admin.messageLog.get(delivered))?.status === 'delivered' ? true : undefined), 15_000, 'acme message delivered');
      await waitUntil(async () => ((await admin.messageLog.get(held))?.status === 'quarantined' ? true : undefined), 15_000, 'globex message held');
    } finally {
      await admin.close();
    }
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('an indicator added afterwards is hunted in the background: delivered for acme, blocked for globex', async () => {
    assert.equal((await call('GET', '/api/v1/hunts')).status, 200);
    const added = await call('POST', '/api/v1/indicators', { indicators: [{ type: 'domain', value: 'lure-sender.example', severity: 'high' }] });
    assert.equal(added.status, 200, JSON.stringify(added.json));

    const detail = await waitUntil(
      async () => {
        const runs = (await call('GET', '/api/v1/hunts')).json['runs'] as Array<{ id: number; finishedAt?: string; messages: number }>;
        const run = runs.find((r) => r.finishedAt !== undefined && r.messages > 0);
        return run === undefined ? undefined : ((await call('GET', `/api/v1/hunts/${String(run.id)}`)).json as unknown as HuntView);
      },
      10_000,
      'a finished hunt with matches',
    );
    assert.equal(detail.run.trigger, 'api');
    const byName = Object.fromEntries(detail.organizations.map((o) => [o.name, o]));
    assert.deepEqual(byName['acme']?.delivered.map((m) => m.queueId), [delivered]);
    assert.deepEqual(byName['acme']?.blocked, []);
    assert.deepEqual(byName['globex']?.delivered, []);
    assert.deepEqual(byName['globex']?.blocked.map((m) => [m.queueId, m.status]), [[held, 'quarantined']]);
    assert.equal(detail.organizations[0]?.name, 'acme', 'organizations with delivered mail first');

    const message = (await call('GET', `/api/v1/messages/${delivered}`)).json['message'] as { huntMatches: Array<{ runId: number; indicatorType: string; indicatorValue: string; matchedField: string }> };
    assert.deepEqual(message.huntMatches.map((m) => [m.runId, m.indicatorType, m.indicatorValue, m.matchedField]), [[detail.run.id, 'domain', 'lure-sender.example', 'message.sender_domain']]);
    const hunted = (await call('GET', '/api/v1/messages?hunted=true')).json['messages'] as Array<{ queueId: string }>;
    assert.deepEqual(hunted.map((m) => m.queueId).sort(), [delivered, held].sort());

    const audit = await call('POST', '/api/v1/hunts', { indicatorIds: [999_999] });
    assert.equal(audit.status, 200, 'an unknown id hunts nothing');
    assert.equal((audit.json['hunt'] as { messages: number }).messages, 0);
    assert.equal((await call('POST', '/api/v1/hunts', { indicatorIds: ['x'] })).status, 400);
  });

  it('moat intel hunt finds the same from the CLI; re-hunting records no duplicate', async () => {
    const run = await runCliInProcess(['intel', 'hunt', '--type', 'domain', '--value', 'LURE-SENDER.example', '--json', '-c', moat.configPath]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { messages: number; newMatches: number; byOrganization: Array<{ name: string; delivered: string[]; blocked: string[] }> };
    assert.equal(summary.messages, 2);
    assert.equal(summary.newMatches, 0, 'already recorded by the background hunt');
    assert.deepEqual(summary.byOrganization.map((o) => [o.name, o.delivered, o.blocked]), [
      ['acme', [delivered], []],
      ['globex', [], [held]],
    ]);
    const text = await runCliInProcess(['intel', 'hunt', '--type', 'domain', '--value', 'lure-sender.example', '-c', moat.configPath]);
    assert.match(text.stdout, new RegExp(`acme: 1 delivered, 0 blocked\\n  delivered  ${delivered}  \\S+  bob@acme\\.test  invoice 42`, 'u'));
    const none = await runCliInProcess(['intel', 'hunt', '--type', 'domain', '--value', 'nobody.example', '-c', moat.configPath]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no matches/u);
    assert.equal((await runCliInProcess(['intel', 'hunt', '--type', 'domain', '-c', moat.configPath])).code, 65, '--type without --value');
    assert.equal((await runCliInProcess(['intel', 'hunt', '--since', 'yesterday', '-c', moat.configPath])).code, 65);
    const runs = await runCliInProcess(['intel', 'hunts', '-c', moat.configPath]);
    assert.equal(runs.code, 0);
    assert.match(runs.stdout, /cli:/u);
  });
});
