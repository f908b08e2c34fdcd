/**
 * Retro-hunt in a real Chromium against a running gateway: a message with an
 * attachment is delivered first; then the attachment's hash is added as an
 * indicator through the indicators form, and within seconds the Retro-hunts
 * page lists a run that found the message, delivered, for its organization;
 * the message page shows the "Found by retro-hunt" mark. No CSP violation on
 * the way. With MOAT_SCREENSHOTS=1 it writes docs/screenshots/hunts.png.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';
import { browserUnavailableReason, launchChromium, screenshot, signIn, watchPageProblems } from './browser.js';

const unavailable = await browserUnavailableReason();

const payload = Buffer.from('Quarterly figures, inert test attachment for the retro-hunt browser test 7f3a.\n');
const payloadSha256 = createHash('sha256').update(payload).digest('hex');

describe('admin UI: retro-hunt in Chromium', { skip: unavailable }, () => {
  let moat: TestGateway;
  let sink: Sink;
  let browser: Browser;
  let page: Page;
  let base: string;
  let problems: string[];
  let queueId: string;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [{ name: 'acme', nextHop: hop }],
      domains: [{ name: 'acme.test', recipients: 'any', organization: 'acme' }],
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    problems = watchPageProblems(page);
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined);
    await signIn(page, base, 'admin', password);

    const body = messageWithAttachment({ filename: 'figures.txt', content: payload, contentType: 'text/plain', subject: 'Quarterly figures', to: 'bob@acme.test' });
    queueId = queueIdOf((await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@acme.test'], body })).data);
    await waitUntil(async () => {
      const res = await page.request.get(`${base}/api/v1/messages/${queueId}`);
      return res.ok() && ((await res.json()) as { message: { status: string } }).message.status === 'delivered' ? true : undefined;
    }, 15_000, `message ${queueId} delivered`);
  });

  after(async () => {
    await browser?.close();
    await moat?.stop();
    await sink?.close();
  });

  it('adding the hash as an indicator finds the delivered message within seconds and marks it', async () => {
    await page.goto(`${base}/indicators`);
    const form = page.getByRole('form', { name: 'Add indicator' });
    await form.getByLabel('Type').selectOption('sha256');
    await form.getByLabel('Value').fill(payloadSha256);
    await form.getByRole('button', { name: 'Add indicator' }).click();
    await page.getByTestId('add-outcome').filter({ hasText: 'Added 1, updated 0, rejected 0.' }).waitFor();

    // The hunt runs in the background: its run appears with the message within seconds.
    const runId = await waitUntil(
      async () => {
        const runs = ((await (await page.request.get(`${base}/api/v1/hunts`)).json()) as { runs: Array<{ id: number; messages: number; finishedAt?: string }> }).runs;
        return runs.find((r) => r.finishedAt !== undefined && r.messages === 1)?.id;
      },
      10_000,
      'a hunt run that found the message',
    );
    await page.getByRole('link', { name: 'Retro-hunts', exact: true }).click();
    await page.waitForURL(`${base}/hunts`);
    const runLink = page.getByRole('table', { name: 'Retro-hunts' }).getByRole('link', { name: `#${String(runId)}`, exact: true });
    await runLink.click();
    const acme = page.getByRole('table', { name: 'Messages of acme' });
    await page.getByRole('heading', { name: 'acme: 1 delivered, 0 blocked' }).waitFor();
    // A run page is a bookmarkable address: served by the UI, not the API's 404, when loaded directly.
    await page.reload();
    await page.getByRole('heading', { name: 'acme: 1 delivered, 0 blocked' }).waitFor();
    const messageRow = acme.getByRole('row').filter({ hasText: 'delivered' });
    assert.match((await messageRow.textContent()) ?? '', new RegExp(`${queueId}.*delivered.*sha256 ${payloadSha256} \\(artifact\\.sha256\\)`, 'u'));
    await screenshot(page, 'hunts');

    await acme.getByRole('link', { name: queueId }).click();
    await page.waitForURL(`${base}/messages/${queueId}`);
    const mark = page.getByRole('note', { name: 'Found by retro-hunt' });
    await mark.waitFor();
    assert.match((await mark.textContent()) ?? '', new RegExp(`pull it from the mailboxes.*sha256 ${payloadSha256} in artifact\\.sha256`, 'u'));
    assert.deepEqual(problems, [], 'no CSP violation or page error');
  });
});
