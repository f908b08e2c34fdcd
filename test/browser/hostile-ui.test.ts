/**
 * Mail built to attack the people who look at it: every message of
 * test/fixtures/hostile-ui, plus messages whose payloads try to set
 * `window.top.__pwned` through each vector (script tags, event handlers,
 * javascript: and data: links, SVG with script, CSS url() to an outside host,
 * HTML in Subject and From, attachment names with HTML and U+202E), is
 * quarantined and opened in the UI in Chromium. The test fails on any dialog,
 * any request to a host other than 127.0.0.1, and `__pwned` set anywhere; and
 * it checks that header and attachment texts appear as text, not as markup.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { browserUnavailableReason, launchChromium, signIn } from './browser.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/hostile-ui/', import.meta.url));
const PWN = 'top.__pwned=1';
const IMG_NAME = `<img src=x onerror=${PWN}>.pdf`;
const BIDI_NAME = 'invoice\u202Efdp.exe';

/** One message carrying every vector, each trying to set window.top.__pwned. */
function pwnMessage(): string {
  const boundary = 'pwn-boundary';
  const html = [
    `<script>${PWN}</script>`,
    `<img src=x onerror="${PWN}">`,
    `<a href="javascript:${PWN}">js link</a>`,
    `<a href="data:text/html,<script>${PWN}</script>">data link</a>`,
    `<svg><script>${PWN}</script></svg>`,
    `<svg onload="${PWN}"></svg>`,
    '<div style="background:url(https://evil.example/css-bg.png)">css</div>',
    '<style>body { background: url(https://evil.example/style-bg.png) }</style>',
    `<iframe srcdoc="<script>${PWN}</script>"></iframe>`,
    '<img src="https://tracker.example/pixel.gif">',
  ].join('\r\n');
  return [
    `From: "<img src=x onerror=${PWN}>Support" <attacker@evil.example>`,
    'To: victim@example.com',
    `Subject: <script>${PWN}</script><img src=x onerror=${PWN}> pwn`,
    'Message-ID: <pwn@evil.example>',
    'Date: Tue, 24 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    `--${boundary}`,
    `Content-Type: application/pdf; name="${IMG_NAME}"`,
    `Content-Disposition: attachment; filename="${IMG_NAME}"`,
    '',
    '%PDF-1.4 not really',
    `--${boundary}`,
    'Content-Type: application/octet-stream',
    `Content-Disposition: attachment; filename*=utf-8''${encodeURIComponent(BIDI_NAME)}`,
    'Content-Transfer-Encoding: base64',
    '',
    'TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

const unavailable = await browserUnavailableReason();

describe('hostile mail in the admin UI', { skip: unavailable }, () => {
  let moat: TestGateway;
  let sink: Sink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  /** Everything that went wrong in the browser; asserted empty at the end of each step. */
  const incidents: string[] = [];
  /** Our own confirm() for "Load remote content" is expected; no other dialog is. */
  let expectRemoteConfirm = false;
  let remoteMode = false;

  before(async () => {
    sink = await startSink();
    const hop = { host: '127.0.0.1', port: sink.port, tls: 'none' };
    moat = await startTestGateway({
      organizations: [{ name: 'victims', country: 'US', nextHop: hop }],
      domains: [{ name: 'example.com', recipients: 'any', organization: 'victims' }],
      // Every message from the attacker's domain is held, whatever its score.
      // The reject threshold out of reach: these messages score high, and a rejected one is not held.
      policy: { thresholds: { reject: 100_000 }, senders: { deny: ['evil.example'], denyAction: 'quarantine' } },
    });
    base = `http://127.0.0.1:${moat.httpPort}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    context.setDefaultTimeout(10_000);
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      // With remote content asked for, images may go out (we abort them all the same); nothing else ever.
      if (!(remoteMode && route.request().resourceType() === 'image')) incidents.push(`request to ${url.href} (${route.request().resourceType()})`);
      return route.abort();
    });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      if (expectRemoteConfirm && dialog.type() === 'confirm' && dialog.message().startsWith('Load remote images')) {
        expectRemoteConfirm = false;
        void dialog.accept();
        return;
      }
      incidents.push(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => incidents.push(`page error: ${error.message}`));
    const password = moat.gateway.firstAdminPassword;
    assert.ok(password !== undefined);
    await signIn(page, base, 'admin', password);
  });

  after(async () => {
    await browser?.close();
    await moat?.stop();
    await sink?.close();
  });

  const hold = async (body: string): Promise<string> => {
    const reply = await sendMessage(moat.smtpPort, { from: 'attacker@evil.example', to: ['victim@example.com'], body: body.replace(/\r?\n/g, '\r\n') });
    return queueIdOf(reply.data);
  };

  /** __pwned on the page or in any frame, and markup the UI itself never makes. */
  async function inspect(what: string): Promise<void> {
    for (const frame of page.frames()) {
      const pwned = await frame.evaluate<boolean>('window.__pwned !== undefined').catch(() => false);
      if (pwned) incidents.push(`${what}: __pwned set in frame ${frame.url()}`);
    }
    // The UI has no images, SVG or inline scripts; one iframe at most, the sandboxed preview.
    // Page scripts are strings here: the test program is compiled without the DOM library.
    const stray = await page.evaluate<number>(`document.querySelectorAll('img, svg, object, embed, script:not([src]), iframe:not(.preview), a[href^="javascript:"], a[href^="data:"]').length`);
    if (stray > 0) incidents.push(`${what}: ${stray} element(s) made from message content`);
    const frames = await page.evaluate<Array<{ sandbox: string | null }>>(`[...document.querySelectorAll('iframe')].map((f) => ({ sandbox: f.getAttribute('sandbox') }))`);
    for (const f of frames) if (f.sandbox !== '') incidents.push(`${what}: preview iframe sandbox is ${String(f.sandbox)}`);
  }

  async function openHeld(queueId: string, label: string): Promise<void> {
    await page.goto(`${base}/quarantine/${queueId}`);
    await page.getByRole('heading', { name: 'Envelope' }).waitFor();
    const frame = page.locator('iframe.preview');
    await frame.waitFor();
    // Give the sandboxed document the chance to misbehave: wait until it has loaded.
    await page.waitForLoadState('networkidle');
    await inspect(`${label} (safe preview)`);
    remoteMode = true;
    expectRemoteConfirm = true;
    await page.getByRole('button', { name: 'Load remote content' }).click();
    await page.getByText('Remote content loaded.').waitFor();
    await page.waitForLoadState('networkidle');
    await inspect(`${label} (remote content)`);
    remoteMode = false;
  }

  it('opens every hostile fixture without running or loading anything', async () => {
    const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.eml')).sort();
    assert.ok(names.length >= 5, 'the hostile fixtures are there');
    for (const name of names) {
      const queueId = await hold(await readFile(`${FIXTURES}${name}`, 'utf8'));
      await openHeld(queueId, name);
      await page.goto(`${base}/messages/${queueId}`);
      await page.getByRole('heading', { name: 'Envelope' }).waitFor();
      await inspect(`${name} (trace)`);
    }
    await page.goto(`${base}/quarantine?state=held`);
    await page.getByRole('table', { name: 'Quarantined messages' }).waitFor();
    await page.goto(`${base}/messages?sender=evil.example`);
    await page.getByRole('table', { name: 'Messages' }).waitFor();
    await inspect('lists');
    assert.deepEqual(incidents, []);
  });

  it('shows headers and attachment names as text, and nothing sets __pwned', async () => {
    const queueId = await hold(pwnMessage());
    await openHeld(queueId, 'pwn');
    const previewJson = await page.request.get(`${base}/api/v1/quarantine/${queueId}/preview`);
    if (previewJson.status() === 200) {
      const attachments = page.getByRole('list', { name: 'Attachments' });
      await attachments.getByText(`<img src=x onerror=${PWN}>`).waitFor();
      assert.equal(await attachments.locator('a, img').count(), 0, 'attachment names are text, never links');
      const names = await attachments.locator('.attachment-name').allTextContents();
      assert.ok(!names.some((n) => n.includes('\u202E')), `no raw U+202E reaches the page: ${JSON.stringify(names)}`);
      await page.locator('table.kv').getByText(`<img src=x onerror=${PWN}>Support`).waitFor();
    } else {
      process.stderr.write(`note: preview JSON answered ${previewJson.status()}; attachment and header texts checked on the trace page only\n`);
    }
    // The trace shows the Subject and From from the log: literally, as text.
    await page.goto(`${base}/messages/${queueId}`);
    await page.getByRole('heading', { name: `<script>${PWN}</script><img src=x onerror=${PWN}> pwn` }).waitFor();
    await page.getByText(`"<img src=x onerror=${PWN}>Support"`, { exact: false }).first().waitFor();
    await page.getByRole('table', { name: 'Artifacts' }).getByText(IMG_NAME).waitFor();
    await inspect('pwn (trace)');
    await page.goto(`${base}/messages?sender=evil.example`);
    await page.getByRole('link', { name: /pwn$/ }).first().waitFor();
    await inspect('pwn (list)');
    const pwned = await page.evaluate<unknown>('window.top.__pwned');
    assert.equal(pwned, undefined);
    assert.deepEqual(incidents, []);
  });
});
