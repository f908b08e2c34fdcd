/**
 * The admin API on a running gateway, over real SMTP and real HTTP: the
 * first administrator signs in, traces mail and works the quarantine of two
 * organizations; an organization administrator sees and releases only their
 * own organization's mail; a release is delivered; every action is audited
 * with the message and its organization.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

describe('admin API on a running gateway', () => {
  let moat: TestGateway;
  let sink: Sink;
  let base: string;
  let admin: Session;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [{ name: 'acme', country: 'US', nextHop: hop }, { name: 'globex', country: 'DE', nextHop: hop }],
      domains: [
        { name: 'acme.test', recipients: 'any', organization: 'acme' },
        { name: 'globex.test', recipients: 'any', organization: 'globex' },
      ],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined, 'a new installation has a first administrator');
    admin = await signIn('admin', password);
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  async function signIn(username: string, password: string): Promise<Session> {
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 200, `${username} signs in`);
    const cookie = /^(moat_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie);
    return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }

  async function call(session: Session, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const hold = async (to: string, subject: string): Promise<string> =>
    queueIdOf((await sendMessage(moat.smtpPort, { from: 'mallory@partner.example', to: [to], body: messageWithAttachment({ filename: 'invoice.exe', content: tinyPe(), subject, to }) })).data);

  it('traces and works the quarantine across organizations, and keeps an organization administrator inside theirs', async () => {
    const acmeHeld = await hold('bob@acme.test', 'acme held');
    const globexHeld = await hold('carol@globex.test', 'globex held');
    const clean = queueIdOf((await sendMessage(moat.smtpPort, { from: 'alice@partner.example', to: ['bob@acme.test'], body: plainMessage({ to: 'bob@acme.test', subject: 'acme clean' }) })).data);

    // Trace, as the installation administrator.
    const found = await call(admin, 'GET', '/api/v1/messages?recipient=acme.test');
    assert.equal(found.status, 200);
    assert.deepEqual((found.json['messages'] as Array<{ queueId: string }>).map((m) => m.queueId).sort(), [acmeHeld, clean].sort());
    const detail = await call(admin, 'GET', `/api/v1/messages/${acmeHeld}`);
    const message = detail.json['message'] as { status: string; findings: Array<{ symbol: string }>; policyVersion: string; organizationId: number };
    assert.equal(message.status, 'quarantined');
    assert.ok(message.findings.some((f) => f.symbol === 'FILETYPE_EXECUTABLE'));
    assert.match(message.policyVersion, /^r\d+-/);
    const acme = message.organizationId;
    const listed = await call(admin, 'GET', '/api/v1/quarantine?state=held');
    assert.deepEqual((listed.json['entries'] as Array<{ queueId: string }>).map((e) => e.queueId).sort(), [acmeHeld, globexHeld].sort());
    assert.equal((await call(admin, 'GET', '/api/v1/messages?sha256=zz')).status, 400, 'bad input is refused with a reason');
    const byName = await call(admin, 'GET', '/api/v1/messages?attachmentName=Invoice.EXE');
    assert.deepEqual((byName.json['messages'] as Array<{ queueId: string }>).map((m) => m.queueId).sort(), [acmeHeld, globexHeld].sort());

    // An organization administrator for acme.
    const created = await call(admin, 'POST', '/api/v1/users', { username: 'acme-boss', role: 'org-admin', organizationId: acme });
    assert.equal(created.status, 201);
    const boss = await signIn('acme-boss', created.json['password'] as string);
    const bossList = await call(boss, 'GET', '/api/v1/quarantine');
    assert.deepEqual((bossList.json['entries'] as Array<{ queueId: string }>).map((e) => e.queueId), [acmeHeld]);
    assert.deepEqual(((await call(boss, 'GET', '/api/v1/messages')).json['messages'] as Array<{ organizationId: number }>).map((m) => m.organizationId).filter((o) => o !== acme), []);
    assert.equal((await call(boss, 'GET', `/api/v1/messages/${globexHeld}`)).status, 404);
    assert.equal((await call(boss, 'GET', `/api/v1/quarantine/${globexHeld}`)).status, 404);
    assert.equal((await call(boss, 'POST', `/api/v1/quarantine/${globexHeld}/release`, {})).status, 404, 'another organization’s mail cannot be released');

    // The safe preview, rendered in the worker: the attachment listed, never served; the document sandboxed.
    const preview = await call(boss, 'GET', `/api/v1/quarantine/${acmeHeld}/preview`);
    assert.equal(preview.status, 200);
    const shownPreview = preview.json['preview'] as { headers: { subject: string }; attachments: Array<{ name: string }> };
    assert.equal(shownPreview.headers.subject, 'acme held');
    assert.deepEqual(shownPreview.attachments.map((a) => a.name), ['invoice.exe']);
    const document = await fetch(`${base}/api/v1/quarantine/${acmeHeld}/preview.html`, { headers: { cookie: boss.cookie } });
    assert.equal(document.status, 200);
    assert.match(document.headers.get('content-security-policy') ?? '', /^sandbox/);
    assert.equal((await call(boss, 'GET', `/api/v1/quarantine/${globexHeld}/preview`)).status, 404);

    // The acme administrator releases acme's message; it is delivered.
    const shown = await call(boss, 'GET', `/api/v1/quarantine/${acmeHeld}`);
    assert.deepEqual((shown.json['envelope'] as { rcptTo: string[] }).rcptTo, ['bob@acme.test']);
    const released = await call(boss, 'POST', `/api/v1/quarantine/${acmeHeld}/release`, {});
    assert.equal(released.status, 200);
    assert.deepEqual(released.json['released'], ['bob@acme.test']);
    await waitUntil(() => (sink.messages.some((m) => m.raw.toString().includes('Subject: acme held')) ? true : undefined), 15_000, 'released message delivered');
    assert.equal((await call(boss, 'POST', `/api/v1/quarantine/${acmeHeld}/release`, {})).status, 409, 'released once');

    // Downloads: sealed in a ZIP that Info-ZIP opens with the password `infected`, or defanged as text.
    const zip = await fetch(`${base}/api/v1/quarantine/${globexHeld}/download`, { headers: { cookie: admin.cookie } });
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    assert.match(zip.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="${globexHeld}\\.zip"`));
    const downloads = await mkdtemp(join(tmpdir(), 'moat-download-'));
    const zipPath = join(downloads, 'held.zip');
    await writeFile(zipPath, Buffer.from(await zip.arrayBuffer()));
    const unzipped = execFileSync('/usr/bin/unzip', ['-P', 'infected', '-p', zipPath], { encoding: 'latin1' });
    assert.match(unzipped, /^Subject: globex held\r$/m);
    assert.throws(() => execFileSync('/usr/bin/unzip', ['-P', 'wrong', '-p', zipPath], { stdio: 'pipe' }), 'useless without the password');
    const text = await fetch(`${base}/api/v1/quarantine/${globexHeld}/download?format=defanged`, { headers: { cookie: admin.cookie } });
    assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(text.headers.get('content-disposition') ?? '', /\.eml\.txt"$/);
    assert.equal(await text.text(), unzipped, 'the same message either way');
    await rm(downloads, { recursive: true, force: true });
    assert.equal((await fetch(`${base}/api/v1/quarantine/${globexHeld}/download`, { headers: { cookie: boss.cookie } })).status, 404, 'not for another organization');

    // Bulk, as the administrator: each message answers for itself.
    const bulk = await call(admin, 'POST', '/api/v1/quarantine/bulk', { action: 'delete', queueIds: [globexHeld, acmeHeld] });
    assert.equal(bulk.status, 200);
    assert.deepEqual((bulk.json['results'] as Array<{ queueId: string; ok: boolean; statusCode?: number }>).map((r) => [r.queueId, r.ok, r.statusCode]), [
      [globexHeld, true, undefined],
      [acmeHeld, false, 409],
    ]);

    // The dashboard: figures for everyone's mail for the administrator, acme's only for its administrator.
    const board = (await call(admin, 'GET', '/api/v1/dashboard?hours=1')).json as { totals: Record<string, number>; topFindings: Array<{ symbol: string }>; topRecipients: Array<{ recipient: string }>; health: Record<string, string>; engines: Record<string, unknown> };
    assert.equal(board.totals['quarantine'], 2);
    assert.equal(board.totals['deliver'], 1);
    assert.ok(board.topFindings.some((f) => f.symbol === 'FILETYPE_EXECUTABLE'));
    assert.deepEqual(board.topRecipients.map((r) => r.recipient).sort(), ['bob@acme.test', 'carol@globex.test']);
    assert.equal(board.health['database'], 'ok');
    assert.equal(typeof board.engines['policyRevision'], 'number');
    const bossBoard = (await call(boss, 'GET', '/api/v1/dashboard?hours=1')).json as { totals: Record<string, number>; topRecipients: Array<{ recipient: string }>; health?: unknown };
    assert.deepEqual(bossBoard.topRecipients.map((r) => r.recipient), ['bob@acme.test']);
    assert.equal(bossBoard.totals['quarantine'], 1);
    assert.equal(bossBoard.health, undefined, 'installation health is not an organization’s to see');

    // The audit log has each action, with the message and its organization.
    const audit = (await call(admin, 'GET', '/api/v1/audit?action=quarantine.release')).json['entries'] as Array<{ actor: string; target: string; organizationId: number; outcome: string }>;
    assert.ok(audit.some((e) => e.actor === 'acme-boss' && e.target === `message:${acmeHeld}` && e.organizationId === acme && e.outcome === 'ok'));
    assert.ok(audit.some((e) => e.actor === 'acme-boss' && e.target === `message:${globexHeld}` && e.outcome === 'denied'));
  });

  it('edits an organization’s policy from the API and every message follows it at once', async () => {
    const organizations = ((await call(admin, 'GET', '/api/v1/organizations')).json['organizations'] as Array<{ id: number; name: string; domains: string[]; country: string }>);
    const acme = organizations.find((o) => o.name === 'acme');
    const globex = organizations.find((o) => o.name === 'globex');
    assert.ok(acme && globex);
    assert.deepEqual(acme.domains, ['acme.test']);
    assert.equal(acme.country, 'US');
    const created = await call(admin, 'POST', '/api/v1/users', { username: 'acme-policy', role: 'org-admin', organizationId: acme.id });
    const boss = await signIn('acme-policy', created.json['password'] as string);
    assert.deepEqual(((await call(boss, 'GET', '/api/v1/organizations')).json['organizations'] as Array<{ name: string }>).map((o) => o.name), ['acme']);
    assert.equal((await call(boss, 'GET', '/api/v1/policy')).status, 403, 'the whole document spans organizations');
    assert.equal((await call(boss, 'GET', `/api/v1/organizations/${globex.id}/policy`)).status, 404);

    const mine = await call(boss, 'GET', `/api/v1/organizations/${acme.id}/policy`);
    const baseRevision = mine.json['revision'] as number;
    const put = (body: unknown, id = acme.id) => call(boss, 'PUT', `/api/v1/organizations/${id}/policy`, body);
    assert.equal((await put({ baseRevision, policy: { domains: { 'globex.test': { thresholds: { tag: 1 } } } } })).status, 400, 'another organization’s domain');
    const invalid = await put({ baseRevision, policy: { organizations: { acme: { thresholds: { tag: 'high' } } } } });
    assert.equal(invalid.status, 400);
    assert.ok((invalid.json['issues'] as string[]).some((i) => /tag/.test(i)), 'the problem is named');
    assert.equal((await put({ baseRevision: baseRevision + 5, policy: {} })).status, 409, 'made on an old revision');

    // Acme's engineers may receive executables; globex's may not.
    const ok = await put({ baseRevision, comment: 'build engineers', policy: { organizations: { acme: { fileTypes: { allow: ['exe'] } } } } });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const exe = (to: string, subject: string) => sendMessage(moat.smtpPort, { from: 'builds@partner.example', to: [to], body: messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), subject, to }) });
    const delivered = queueIdOf((await exe('dev@acme.test', 'acme installer')).data);
    const held = queueIdOf((await exe('dev@globex.test', 'globex installer')).data);
    assert.equal(((await call(admin, 'GET', `/api/v1/messages/${delivered}`)).json['message'] as { action: string }).action, 'deliver');
    assert.equal(((await call(admin, 'GET', `/api/v1/messages/${held}`)).json['message'] as { action: string }).action, 'quarantine');

    const history = (await call(admin, 'GET', '/api/v1/policy/history')).json['revisions'] as Array<{ source: string; comment?: string }>;
    assert.equal(history[0]?.source, 'api:acme-policy');
    assert.equal(history[0]?.comment, 'build engineers');
    const audit = (await call(admin, 'GET', '/api/v1/audit?action=policy.organization.replace')).json['entries'] as Array<{ outcome: string; organizationId: number }>;
    assert.ok(audit.some((e) => e.outcome === 'ok' && e.organizationId === acme.id));
  });
});
