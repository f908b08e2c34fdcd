/**
 * A real, independent SMTP client (swaks) against the gateway: plain,
 * STARTTLS, an attachment and a refused relay. swaks is installed by
 * .ci/run; elsewhere the suite is skipped, in CI its absence is a failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAdminServices, type AdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startSink, type ReceivedMail, type Sink } from '../support/sink.js';
import { waitUntil } from '../support/wait.js';

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    const found = await access(candidate, constants.X_OK).then(() => true, () => false);
    if (found) return candidate;
  }
  return undefined;
}

const swaksPath = await findOnPath('swaks');
const inCi = process.env['CI'] === 'true';

interface SwaksRun {
  readonly code: number;
  readonly output: string;
}

function runSwaks(args: readonly string[], timeoutMs = 20_000): Promise<SwaksRun> {
  const child = spawn(swaksPath as string, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`swaks did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

describe('swaks is available', () => {
  it('is on PATH in CI', { skip: inCi || swaksPath !== undefined ? false : 'swaks is not on PATH (install it, or run in CI where .ci/run installs it)' }, () => {
    assert.ok(swaksPath, 'swaks must be on PATH when CI=true');
  });
});

describe('gateway with swaks as the client', { skip: swaksPath === undefined ? 'swaks is not on PATH; the swaks suite is skipped outside CI' : false }, () => {
  let sink: Sink;
  let moat: TestGateway;
  let admin: AdminServices;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-swaks-'));
    sink = await startSink();
    moat = await startTestGateway({
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
    admin = await openAdminServices(moat.config);
  });

  after(async () => {
    await admin?.close();
    await moat?.stop();
    await sink?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function swaks(...extra: string[]): Promise<SwaksRun> {
    return runSwaks(['--server', '127.0.0.1', '--port', String(moat.smtpPort), '--helo', 'swaks.example.net', '--from', 'alice@sender.example', ...extra]);
  }

  async function delivered(subject: string): Promise<ReceivedMail> {
    return waitUntil(() => sink.messages.find((m) => m.raw.includes(`Subject: ${subject}`)), 15_000, `"${subject}" at the next hop`);
  }

  it('sends a plain message', async () => {
    const run = await swaks('--to', 'bob@example.test', '--header', 'Subject: swaks plain', '--body', 'Hello from swaks');
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /<- {2}250 2\.0\.0 Ok: queued as [0-9A-Z]{20}/);
    const mail = await delivered('swaks plain');
    const raw = mail.raw.toString('latin1');
    assert.match(raw, /^Received: from swaks\.example\.net \(unknown \[127\.0\.0\.1\]\)\r\n\tby mx\.test\.moat \(Moat\) with ESMTP\r\n/);
    assert.match(raw, /Hello from swaks/);
  });

  it('sends over STARTTLS', async () => {
    const run = await swaks('--tls', '--to', 'bob@example.test', '--header', 'Subject: swaks tls', '--body', 'Hello over TLS');
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /TLS started with cipher TLSv1\.[23]/);
    const mail = await delivered('swaks tls');
    // RFC 3848: ESMTPS records that the hop was encrypted.
    assert.match(mail.raw.toString('latin1'), /^Received: [^\r\n]*\r\n\tby mx\.test\.moat \(Moat\) with ESMTPS/);
  });

  it('sends an attachment that arrives intact and is recorded as an artifact', async () => {
    const content = Buffer.from(Array.from({ length: 40 }, (_, i) => `row ${i}: revenue ${i * 1000}\n`).join(''));
    const file = join(dir, 'quarterly-report.txt');
    await writeFile(file, content);
    const run = await swaks('--to', 'bob@example.test', '--header', 'Subject: swaks attachment', '--body', 'Report attached', '--attach-type', 'text/plain', '--attach', `@${file}`);
    assert.equal(run.code, 0, run.output);
    const queueId = /queued as ([0-9A-Z]{20})/.exec(run.output)?.[1];
    assert.ok(queueId);
    const raw = (await delivered('swaks attachment')).raw.toString('latin1');
    assert.match(raw, /Content-Type: multipart\/mixed/i);
    assert.match(raw, /filename="?quarterly-report\.txt"?/);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const detail = await admin.messageLog.get(queueId);
    assert.ok(detail?.artifacts.some((a) => a.sha256 === sha256 && a.declaredName === 'quarterly-report.txt'), JSON.stringify(detail?.artifacts));
  });

  it('is refused as a relay for a domain Moat does not serve', async () => {
    const run = await swaks('--to', 'x@elsewhere.example', '--header', 'Subject: swaks relay', '--body', 'relay me');
    assert.equal(run.code, 24, `swaks exit 24 means no RCPT accepted: ${run.output}`);
    assert.match(run.output, /<\*\* +550 5\.7\.1 Relaying denied/);
    assert.ok(!sink.messages.some((m) => m.raw.includes('Subject: swaks relay')));
  });
});
