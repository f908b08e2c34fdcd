/**
 * The day-to-day pages in a real Chromium against a running gateway: the
 * dashboard counts the mail the test sent (read from its accessible table)
 * and keeps its range in the URL; the organizations page links to the
 * policy editor; a held message downloads as a sealed ZIP; an API token made
 * on the account page works for fetch; two-factor set up with a code the
 * test computes is then required to sign in; a password change ends the
 * session. The UI must cause no CSP violation on the way. With
 * MOAT_SCREENSHOTS=1 it also writes the README's screenshots.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src/access/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';
import { browserUnavailableReason, launchChromium, screenshot, signIn, watchPageProblems } from './browser.js';

const unavailable = await browserUnavailableReason();

describe('admin UI: dashboard, organizations, downloads and account in Chromium', { skip: unavailable }, () => {
  let moat: TestGateway;
  let sink: Sink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let problems: string[];
  let password: string;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [{ name: 'acme', country: 'US', nextHop: hop }],
      domains: [{ name: 'acme.test', recipients: 'any', organization: 'acme' }],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    const first = moat.gateway.firstAdminPassword;
    assert.ok(first !== undefined);
    password = first;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    problems = watchPageProblems(page);
  });

  after(async () => {
    await browser?.close();
    await moat?.stop();
    await sink?.close();
  });

  const send = async (to: string, body: string): Promise<string> => queueIdOf((await sendMessage(moat.smtpPort, { from: 'someone@partner.example', to: [to], body })).data);

  // In-app navigation: src/web/ui.ts serves index.html for its list of client routes, which does not name /account yet.
  const openAccount = async (): Promise<void> => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.waitForURL(`${base}/account`);
  };

  /** The text of a table cell of `table`'s row headed `row`, in the column headed `column`. */
  const cell = async (table: string, row: string, column: string): Promise<string> => {
    const grid = page.getByRole('table', { name: table });
    const headers = await grid.locator('thead th').allTextContents();
    const index = headers.indexOf(column);
    assert.ok(index >= 0, `column ${column} in ${table}`);
    const cells = grid.getByRole('row').filter({ has: page.getByRole('rowheader', { name: row, exact: true }) }).locator('th, td');
    return (await cells.nth(index).textContent()) ?? '';
  };

  it('shows the sent mail on the dashboard, lists organizations and downloads a sealed ZIP', async () => {
    await send('bob@acme.test', plainMessage({ to: 'bob@acme.test', subject: 'Lunch' }));
    await send('bob@acme.test', plainMessage({ to: 'bob@acme.test', subject: 'Minutes' }));
    const held = await send('carol@acme.test', messageWithAttachment({ filename: 'invoice.exe', content: tinyPe(), subject: 'Your invoice', to: 'carol@acme.test' }));
    await sink.waitFor(2);

    await signIn(page, base, 'admin', password);
    // The message log is written after the verdict: wait until the API has all three before reading the page.
    await waitUntil(async () => {
      const figures = (await (await page.request.get(`${base}/api/v1/dashboard?hours=24`)).json()) as { totals?: Record<string, number> };
      return figures.totals?.['deliver'] === 2 && figures.totals['quarantine'] === 1 ? true : undefined;
    }, 15_000, 'the message log to hold the sent mail');

    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('img', { name: /Messages per hour by action/ }).waitFor();
    assert.equal(await cell('Messages per hour', 'All hours', 'Deliver'), '2');
    assert.equal(await cell('Messages per hour', 'All hours', 'Quarantine'), '1');
    assert.equal(await cell('Messages per hour', 'All hours', 'All'), '3');
    assert.equal(await page.getByTestId('total-messages').textContent(), '3');
    // The hourly rows add up to the totals (two rows when the test straddles an hour).
    const hourly = page.getByRole('table', { name: 'Messages per hour' }).locator('tbody tr');
    assert.ok((await hourly.count()) >= 1);
    await page.getByRole('table', { name: 'Top targeted recipients' }).getByRole('cell', { name: 'bob@acme.test' }).waitFor();
    await page.getByRole('list', { name: 'Health' }).waitFor();
    await page.getByRole('heading', { name: 'Engines' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current'), 'page');
    await screenshot(page, 'dashboard');

    // The range switch is a link: the URL carries it, and a bookmark gives the same view.
    await page.getByRole('link', { name: 'Last 7 days' }).click();
    await page.waitForURL(`${base}/?hours=168`);
    assert.equal(await page.getByRole('link', { name: 'Last 7 days' }).getAttribute('aria-current'), 'page');
    await page.getByRole('img', { name: /last 7 days/ }).waitFor();
    assert.equal(await cell('Messages per hour', 'All hours', 'Deliver'), '2');

    // Organizations: name, country and domains, with a link to the organization's policy.
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    const orgRow = page.getByRole('table', { name: 'Organizations' }).getByRole('row').filter({ hasText: 'acme.test' });
    await orgRow.waitFor();
    assert.match((await orgRow.textContent()) ?? '', /acme.*US.*acme\.test/);
    await page.getByRole('link', { name: 'Policy of acme' }).click();
    await page.waitForURL(/\/policy\?organization=\d+$/);
    await page.getByTestId('policy-revision').waitFor();

    // A held message downloads as a ZIP (sealed with "infected") through a plain link.
    await page.goto(`${base}/quarantine/${held}`);
    assert.equal(await page.getByTestId('zip-password').textContent(), 'infected');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download (ZIP, password infected)' }).click()]);
    const path = await download.path();
    const zip = await readFile(path);
    assert.equal(zip.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'the download is a ZIP');
    assert.ok(!zip.includes(Buffer.from('Subject: Your invoice')), 'the message inside is encrypted, not stored in the clear');
    const [text] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as text' }).click()]);
    assert.match(text.suggestedFilename(), /\.txt$/);

    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('creates an API token that works for fetch, and revokes it', async () => {
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByLabel('Token name').fill('reporting script');
    await page.getByRole('checkbox', { name: 'messages:read' }).check();
    await page.getByLabel(/^Expires after/).fill('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = ((await page.getByTestId('token-secret').textContent()) ?? '').trim();
    assert.match(secret, /^moat_/);
    const row = page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: 'reporting script' });
    await row.getByText('messages:read').waitFor();

    const auth = { authorization: `Bearer ${secret}` };
    assert.equal((await fetch(`${base}/api/v1/messages`, { headers: auth })).status, 200, 'the token reads messages');
    assert.equal((await fetch(`${base}/api/v1/users`, { headers: auth })).status, 403, 'and nothing beyond its scope');

    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('token-secret').count(), 0, 'the token is shown once');
    await screenshot(page, 'account');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke reporting script' }).click();
    await row.getByRole('cell', { name: 'revoked' }).waitFor();
    assert.equal((await fetch(`${base}/api/v1/messages`, { headers: auth })).status, 401, 'a revoked token is refused');
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it("shows an organization administrator their figures without the installation's health", async () => {
    const csrf = ((await (await page.request.get(`${base}/api/v1/session`)).json()) as { csrfToken: string }).csrfToken;
    const acme = ((await (await page.request.get(`${base}/api/v1/organizations`)).json()) as { organizations: Array<{ id: number; name: string }> }).organizations.find((o) => o.name === 'acme');
    assert.ok(acme !== undefined);
    const created = await page.request.post(`${base}/api/v1/users`, { headers: { 'x-csrf-token': csrf }, data: { username: 'acme-admin', role: 'org-admin', organizationId: acme.id } });
    assert.equal(created.status(), 201);
    const orgPassword = ((await created.json()) as { password: string }).password;

    const other = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      other.setDefaultTimeout(10_000);
      const orgPage = await other.newPage();
      const orgProblems = watchPageProblems(orgPage);
      await signIn(orgPage, base, 'acme-admin', orgPassword);
      await orgPage.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await orgPage.getByRole('table', { name: 'Messages per hour' }).waitFor();
      assert.equal(await orgPage.getByTestId('total-messages').textContent(), '3', 'all the test mail went to acme');
      assert.equal(await orgPage.getByRole('heading', { name: 'Health' }).count(), 0);
      assert.equal(await orgPage.getByRole('heading', { name: 'Engines' }).count(), 0);
      assert.equal(await orgPage.getByRole('heading', { name: 'Queue' }).count(), 0);
      assert.deepEqual(orgProblems, []);
    } finally {
      await other.close();
    }
  });

  it('sets up two-factor with a computed code, then requires it to sign in', async () => {
    await openAccount();
    assert.equal(await page.getByTestId('totp-state').textContent(), 'off');
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const grouped = (await page.getByTestId('totp-secret').textContent()) ?? '';
    assert.match(grouped, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/, 'the secret in groups of four');
    const secret = grouped.replace(/ /g, '');
    assert.match(await page.getByLabel('Or paste this URI into the app').inputValue(), new RegExp(`^otpauth://totp/.*secret=${secret}`));
    const confirmedAt = Date.now();
    await page.getByLabel('Code from the app').fill(totpCode(secret, confirmedAt));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await page.getByRole('status').filter({ hasText: 'Two-factor is on' }).waitFor();
    await page.getByTestId('totp-state').filter({ hasText: 'on' }).waitFor();

    // A second sign-in asks for the code after the password, and accepts the computed one.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Two-factor code').waitFor();
    // The server refuses a code of a step already used (the set-up's included), and accepts one step of
    // clock skew: the app's next code signs in without waiting for the clock to move on.
    await page.getByLabel('Two-factor code').fill(totpCode(secret, confirmedAt + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').filter({ hasText: 'admin' }).waitFor();

    // Turning it off needs the password.
    await openAccount();
    await page.getByLabel('Password (to turn two-factor off)').fill(password);
    await page.getByRole('button', { name: 'Turn off two-factor' }).click();
    await page.getByRole('status').filter({ hasText: 'Two-factor is off.' }).waitFor();
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });

  it('changes the password, which ends the session and says so on the sign-in page', async () => {
    const next = `New-${password}-x9`;
    await openAccount();
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(next);
    await page.getByLabel('New password again').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(/\/login\?reason=password-changed$/);
    await page.getByRole('status').filter({ hasText: 'Your password was changed' }).waitFor();
    assert.equal((await page.request.get(`${base}/api/v1/session`)).status(), 401);
    await signIn(page, base, 'admin', next);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });
});
