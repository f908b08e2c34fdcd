/**
 * The indicators page in a real Chromium against a running gateway: an
 * administrator adds a sender-domain indicator through the form and the next
 * message from that domain carries an IOC finding on its message page; a CSV
 * file picked in the import form is read in the browser, and its bad line is
 * reported by number; a STIX bundle file is recognised as JSON and its
 * unsupported pattern is listed by object id; an expired indicator is marked so and found by the
 * "expired" filter (the URL carries it and loads directly). An auditor sees
 * the list without the add, import or expire controls; an organization
 * administrator does not see the page in the navigation. No CSP violation on
 * the way. With MOAT_SCREENSHOTS=1 it writes docs/screenshots/indicators.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';
import { browserUnavailableReason, launchChromium, screenshot, signIn, watchPageProblems } from './browser.js';

const unavailable = await browserUnavailableReason();

const IMPORT_CSV = [
  'type,value,source,confidence,severity,expires,description,actor,campaign',
  'domain,evil-import.example,feed-x,70,medium,,imported lure,APT-Z,Spring',
  'sha256,not-a-hash,feed-x,70,high,,broken line,,',
  'ipv4,203.0.113.7,feed-x,60,low,,scanner,,',
  '',
].join('\n');

const IMPORT_STIX = JSON.stringify({
  type: 'bundle',
  id: 'bundle--00000000-0000-4000-8000-000000000000',
  objects: [
    { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000001', pattern_type: 'stix', pattern: "[domain-name:value = 'stix-lure.example']", valid_from: '2024-01-01T00:00:00Z', confidence: 75 },
    { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000002', pattern_type: 'stix', pattern: "[process:name = 'evil.exe']", valid_from: '2024-01-01T00:00:00Z' },
    { type: 'threat-actor', spec_version: '2.1', id: 'threat-actor--00000000-0000-4000-8000-000000000003', name: 'APT-S' },
    { type: 'relationship', spec_version: '2.1', id: 'relationship--00000000-0000-4000-8000-000000000004', relationship_type: 'indicates', source_ref: 'indicator--00000000-0000-4000-8000-000000000001', target_ref: 'threat-actor--00000000-0000-4000-8000-000000000003' },
  ],
}, null, 2);

describe('admin UI: indicator management in Chromium', { skip: unavailable }, () => {
  let moat: TestGateway;
  let sink: Sink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let problems: string[];

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [{ name: 'acme', country: 'US', nextHop: hop }],
      domains: [{ name: 'acme.test', recipients: 'any', organization: 'acme' }],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    problems = watchPageProblems(page);
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined);
    await signIn(page, base, 'admin', password);
  });

  after(async () => {
    await browser?.close();
    await moat?.stop();
    await sink?.close();
  });

  const table = (): ReturnType<Page['getByRole']> => page.getByRole('table', { name: 'Indicators' });
  /** The row whose value (the row header) is `value`. */
  const row = (value: string): ReturnType<Page['getByRole']> => table().getByRole('row').filter({ has: page.getByRole('rowheader', { name: value, exact: true }) });

  /** Creates a user over the API with the admin's session; returns the generated password. */
  const createUser = async (body: Record<string, unknown>): Promise<string> => {
    const csrf = ((await (await page.request.get(`${base}/api/v1/session`)).json()) as { csrfToken: string }).csrfToken;
    const created = await page.request.post(`${base}/api/v1/users`, { headers: { 'x-csrf-token': csrf }, data: body });
    assert.equal(created.status(), 201, await created.text());
    return ((await created.json()) as { password: string }).password;
  };

  it('adds a sender-domain indicator through the form, and the next message from that domain carries an IOC finding', async () => {
    await page.getByRole('link', { name: 'Indicators', exact: true }).click();
    await page.waitForURL(`${base}/indicators`);
    await page.getByRole('heading', { name: 'Indicators', level: 1 }).waitFor();
    await page.getByText('No indicators match.').waitFor();

    const form = page.getByRole('form', { name: 'Add indicator' });
    await form.getByLabel('Type').selectOption('domain');
    await form.getByLabel('Value').fill('Bad-Sender.example.');
    await form.getByLabel('Source').fill('analyst');
    await form.getByLabel('Confidence (0–100)').fill('90');
    await form.getByLabel('Severity').selectOption('high');
    await form.getByLabel('Description').fill('lure sender');
    await form.getByLabel('Actor').fill('APT-T');
    await form.getByLabel('Campaign').fill('Winter');
    await form.getByRole('button', { name: 'Add indicator' }).click();
    await page.getByTestId('add-outcome').filter({ hasText: 'Added 1, updated 0, rejected 0.' }).waitFor();

    // Stored normalised, listed with its attribution.
    const added = row('bad-sender.example');
    await added.waitFor();
    assert.match((await added.textContent()) ?? '', /domain.*bad-sender\.example.*analyst.*90.*high.*APT-T \/ Winter.*never.*active/);

    // The API answers once the indicator is in force on this node: the very next message matches.
    const reply = (await sendMessage(moat.smtpPort, { from: 'billing@mail.bad-sender.example', to: ['bob@acme.test'], body: plainMessage({ from: 'billing@mail.bad-sender.example', to: 'bob@acme.test', subject: 'Invoice overdue' }) })).data;
    const queueId = queueIdOf(reply);
    await waitUntil(async () => ((await page.request.get(`${base}/api/v1/messages/${queueId}`)).ok() ? true : undefined), 15_000, `message ${queueId} logged`);
    await page.goto(`${base}/messages/${queueId}`);
    await page.locator('ul.findings li').filter({ hasText: 'IOC_SENDER_MATCH' }).waitFor();
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('imports a CSV file with one bad line and reports that line by number', async () => {
    await page.goto(`${base}/indicators`);
    const form = page.getByRole('form', { name: 'Import indicators' });
    await form.getByLabel('File').setInputFiles({ name: 'feed.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_CSV) });
    // The file is read in the browser into the text area, which is what gets sent.
    await waitUntil(async () => ((await form.getByLabel('Content').inputValue()) === IMPORT_CSV ? true : undefined), 5_000, 'the file read into the text area');
    assert.equal(await form.getByLabel('Format').inputValue(), 'csv');
    await form.getByRole('button', { name: 'Import' }).click();

    const outcome = page.getByTestId('import-outcome');
    await outcome.filter({ hasText: 'Added 2, updated 0, rejected 1.' }).waitFor();
    assert.deepEqual(await outcome.getByRole('list', { name: 'Rejected' }).getByRole('listitem').allTextContents(), ['Line 3: not a sha256 hex digest']);
    await row('evil-import.example').waitFor();
    await row('203.0.113.7').waitFor();
    assert.match((await row('evil-import.example').textContent()) ?? '', /feed-x.*70.*medium.*APT-Z \/ Spring/);

    // A file with no good line stores nothing and says why, still listing the bad line.
    await form.getByLabel('Content').fill('type,value,source,confidence,severity,expires,description\nmd5,xyz,feed-x,50,low,,\n');
    await form.getByRole('button', { name: 'Import' }).click();
    await outcome.filter({ hasText: 'nothing imported' }).filter({ hasText: 'Line 2:' }).waitFor();
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('imports a STIX bundle file: the format follows the file, the unsupported pattern is listed by object id', async () => {
    await page.goto(`${base}/indicators`);
    const form = page.getByRole('form', { name: 'Import indicators' });
    await form.getByLabel('File').setInputFiles({ name: 'advisory.json', mimeType: 'application/json', buffer: Buffer.from(IMPORT_STIX) });
    await waitUntil(async () => ((await form.getByLabel('Content').inputValue()) === IMPORT_STIX ? true : undefined), 5_000, 'the bundle read into the text area');
    assert.equal(await form.getByLabel('Format').inputValue(), 'json');
    await form.getByLabel('Source for indicators without one').fill('advisory');
    await form.getByRole('button', { name: 'Import' }).click();

    const outcome = page.getByTestId('import-outcome');
    await outcome.filter({ hasText: 'Added 1, updated 0, rejected 0.' }).waitFor();
    assert.deepEqual(await outcome.getByRole('list', { name: 'Not loaded' }).getByRole('listitem').allTextContents(), [
      "indicator--00000000-0000-4000-8000-000000000002: object path is not supported; not loaded: process:name = 'evil.exe'",
    ]);
    await row('stix-lure.example').waitFor();
    assert.match((await row('stix-lure.example').textContent()) ?? '', /advisory.*75.*APT-S/);
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('expires an indicator after a confirmation and shows it expired, also under the "expired" filter', async () => {
    await page.goto(`${base}/indicators`);
    const target = row('evil-import.example');
    await target.getByRole('cell', { name: 'active', exact: true }).waitFor();

    // Dismissing the confirmation changes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await target.getByRole('button', { name: 'Expire evil-import.example' }).click();
    assert.equal(await target.getByRole('cell', { name: 'active', exact: true }).count(), 1);

    page.once('dialog', (dialog) => {
      assert.match(dialog.message(), /evil-import\.example/);
      void dialog.accept();
    });
    await target.getByRole('button', { name: 'Expire evil-import.example' }).click();
    await target.getByRole('cell', { name: 'expired', exact: true }).waitFor();
    assert.equal(await target.getByRole('button', { name: /^Expire/ }).count(), 0, 'an expired indicator has no Expire button');
    assert.notEqual(await target.locator('th, td').nth(8).textContent(), 'never', 'the expiry time (column Expires) is shown');
    await screenshot(page, 'indicators');

    // The filter goes into the URL; the URL loads directly.
    const filters = page.getByRole('form', { name: 'Filter the indicators' });
    await filters.getByLabel('State').selectOption('false');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(`${base}/indicators?active=false`);
    await row('evil-import.example').waitFor();
    assert.equal(await table().locator('tbody tr').count(), 1, 'only the expired one');

    await page.goto(`${base}/indicators?type=domain&active=true`);
    await row('bad-sender.example').waitFor();
    await row('stix-lure.example').waitFor();
    assert.equal(await table().locator('tbody tr').count(), 2, 'the active domains only');
    assert.equal(await page.getByRole('form', { name: 'Filter the indicators' }).getByLabel('Type').inputValue(), 'domain');
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('shows an auditor the list without controls, and an organization administrator no Indicators entry', async () => {
    const auditorPassword = await createUser({ username: 'auditor1', role: 'auditor' });
    const acme = ((await (await page.request.get(`${base}/api/v1/organizations`)).json()) as { organizations: Array<{ id: number; name: string }> }).organizations.find((o) => o.name === 'acme');
    assert.ok(acme !== undefined);
    const orgPassword = await createUser({ username: 'acme-admin', role: 'org-admin', organizationId: acme.id });

    const other = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      other.setDefaultTimeout(10_000);
      const auditorPage = await other.newPage();
      const auditorProblems = watchPageProblems(auditorPage);
      await signIn(auditorPage, base, 'auditor1', auditorPassword);
      await auditorPage.getByRole('link', { name: 'Indicators', exact: true }).click();
      const list = auditorPage.getByRole('table', { name: 'Indicators' });
      await list.getByRole('rowheader', { name: 'bad-sender.example', exact: true }).waitFor();
      assert.equal(await list.locator('tbody tr').count(), 4);
      assert.equal(await auditorPage.getByRole('button', { name: /^Expire/ }).count(), 0);
      assert.equal(await auditorPage.getByRole('columnheader', { name: 'Actions' }).count(), 0);
      assert.equal(await auditorPage.getByRole('form', { name: 'Add indicator' }).count(), 0);
      assert.equal(await auditorPage.getByRole('form', { name: 'Import indicators' }).count(), 0);
      assert.deepEqual(auditorProblems, []);
      await auditorPage.getByRole('button', { name: 'Sign out' }).click();
      await auditorPage.waitForURL(/\/login/);

      await signIn(auditorPage, base, 'acme-admin', orgPassword);
      await auditorPage.getByRole('link', { name: 'Messages', exact: true }).waitFor();
      assert.equal(await auditorPage.getByRole('link', { name: 'Indicators', exact: true }).count(), 0);
      assert.deepEqual(auditorProblems, []);
    } finally {
      await other.close();
    }
  });
});
