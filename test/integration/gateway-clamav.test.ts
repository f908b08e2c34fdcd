/**
 * ClamAV on the SMTP path, through a real clamd with a local signature
 * database: EICAR deep inside archives is refused in the dialogue; clamd
 * down means 451 (fail closed), never an unscanned delivery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTar } from '../../src/analysis/archive/tar/build-tar.js';
import { writeZip } from '../../src/analysis/archive/zip/test-support/zip-writer.js';
import { clamdUnavailableReason, EICAR, startClamd, type TestClamd } from '../support/clamd.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { runCliInProcess } from '../support/cli.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const unavailable = clamdUnavailableReason();

describe('antivirus on the SMTP path', { skip: unavailable ?? false }, () => {
  let clamd: TestClamd;
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    clamd = await startClamd({ streamMaxBytes: 4 * 1024 * 1024 });
    sink = await startSink();
    moat = await startTestGateway({
      analysis: { clamav: { enabled: true, host: '127.0.0.1', port: clamd.port, timeoutMs: 3000, connectTimeoutMs: 500, maxStreamBytes: 4 * 1024 * 1024 } },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat.stop();
    await sink.close();
    await clamd.stop();
  });

  it('refuses EICAR three containers deep (zip in tar in a mail part)', async () => {
    const zip = writeZip([{ name: 'readme.txt', data: 'nothing to see' }, { name: 'docs/sample.com', data: EICAR, method: 8 }]).bytes;
    const tar = buildTar([{ name: 'bundle/notes.txt', content: 'hello' }, { name: 'bundle/archive.zip', content: zip }]);
    const body = messageWithAttachment({ filename: 'bundle.tar', content: tar, subject: 'eicar deep' });
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body });
    assert.equal(result.data?.code, 550);
    assert.match(result.data?.text ?? '', /^5\.7\.1 /);

    // The same file through `moat scan`, with the same config.
    const file = join(moat.dataDir, 'eicar-deep.eml');
    await writeFile(file, body);
    const scan = await runCliInProcess(['scan', '--json', '--config', moat.configPath, file]);
    const line = JSON.parse(scan.stdout.trim()) as { action: string; findings: { symbol: string; artifact?: string; detail: string }[] };
    assert.equal(line.action, 'reject');
    // bundle.tar → archive.zip → docs/sample.com: a member two containers down. clamd
    // unpacks tar and zip itself, so the attachment it was sent whole carries the finding.
    const virus = line.findings.find((f) => f.symbol === 'CLAMAV_VIRUS' && f.artifact === '2');
    assert.ok(virus, `EICAR found in the attachment: ${JSON.stringify(line.findings)}`);
    assert.match(virus.detail, /Moat\.Test\.EICAR/);
  });

  it('delivers a clean message and reports clamd healthy', async () => {
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body: plainMessage({ subject: 'clean with av' }) });
    assert.equal(result.data?.code, 250);
    const health = (await (await fetch(`http://127.0.0.1:${moat.httpPort}/healthz`)).json()) as { checks: Record<string, string> };
    assert.equal(health.checks['clamav'], 'ok');
  });

  it('defers with 451 while clamd is down, and says so in /healthz', async () => {
    await clamd.stop();
    // A body clamd has never seen (the engine caches clean results of identical bytes for a few seconds).
    const body = plainMessage({ subject: 'while av is down', body: `fresh content ${Date.now()}` });
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body });
    assert.equal(result.data?.code, 451);
    assert.match(result.data?.text ?? '', /^4\.7\.1 /);
    const health = await fetch(`http://127.0.0.1:${moat.httpPort}/healthz`);
    assert.equal(health.status, 503);
    assert.ok(!sink.messages.some((m) => m.raw.includes('while av is down')), 'nothing delivered unscanned');
  });
});
