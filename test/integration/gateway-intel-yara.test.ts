/**
 * Indicators and YARA rules on the SMTP path: both fire on a member nested
 * inside archives, the verdict explains itself, and a rule reload takes
 * effect without a restart (a broken rule file keeps the old rules running).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { buildTar } from '../../src/analysis/archive/tar/build-tar.js';
import { writeZip } from '../../src/analysis/archive/zip/test-support/zip-writer.js';
import { makeDataDir, startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';

const payload = Buffer.from('Inert test payload for indicator matching: moat indicator test 7f3a.\n');
const payloadSha256 = createHash('sha256').update(payload).digest('hex');

function nestedMessage(subject: string): string {
  const zip = writeZip([{ name: 'tools/notes.txt', data: payload, method: 8 }]).bytes;
  const tar = buildTar([{ name: 'pkg/readme.txt', content: 'read me' }, { name: 'pkg/tools.zip', content: zip }]);
  return messageWithAttachment({ filename: 'pkg.tar', content: tar, subject });
}

/** The queue id from a 250 (queued as ...) or a refusal (queue id ...). */
function queueIdOf(text: string | undefined): string {
  const id = /(?:queued as|queue id) ([0-9A-Z]{20})/.exec(text ?? '')?.[1];
  assert.ok(id, `no queue id in ${text ?? ''}`);
  return id;
}

async function findingsOf(moat: TestGateway, queueId: string): Promise<{ symbol: string; artifactPath: string | null }[]> {
  const admin = await openAdminServices(moat.config);
  try {
    const detail = await admin.messageLog.get(queueId);
    assert.ok(detail, `message ${queueId} logged`);
    return detail.findings.map((f) => ({ symbol: f.symbol, artifactPath: f.artifact ?? null }));
  } finally {
    await admin.close();
  }
}

describe('indicators and YARA on the SMTP path', () => {
  let sink: Sink;
  let moat: TestGateway;
  let rulesDir: string;

  before(async () => {
    const dir = await makeDataDir();
    rulesDir = join(dir, 'yara');
    await mkdir(rulesDir);
    await writeFile(join(rulesDir, 'test.yar'), 'rule moat_test_marker { meta: score = 3 strings: $a = "moat indicator test 7f3a" condition: $a }\n');
    await writeFile(join(dir, 'iocs.csv'), `type,value,source,confidence,severity,expires,description\nsha256,${payloadSha256},test-feed,100,high,,inert test payload\nsha256,not-a-hash,test-feed,100,high,,bad line kept out\ndomain,evil-sender.example,test-feed,90,medium,,sender infrastructure\nsubject,Your account statement,test-feed,80,low,,lure subject\n`);
    sink = await startSink();
    moat = await startTestGateway(
      {
        analysis: { yara: { enabled: true, rulesDir } },
        intel: { csv: [join(dir, 'iocs.csv')] },
        domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
      },
      dir,
    );
  });

  after(async () => {
    await moat.stop();
    await sink.close();
  });

  it('matches the indicator and the rule on a member two archives deep, and explains the verdict', async () => {
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body: nestedMessage('nested ioc') });
    assert.equal(result.data?.code, 250);
    const queueId = queueIdOf(result.data?.text);
    const findings = await findingsOf(moat, queueId);
    const deep = (symbol: string): boolean => findings.some((f) => f.symbol === symbol && /^2\/\d+\/\d+$/.test(f.artifactPath ?? ''));
    assert.ok(deep('IOC_HASH_MATCH'), JSON.stringify(findings));
    assert.ok(deep('YARA_MOAT_TEST_MARKER'), JSON.stringify(findings));
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      // An IOC of severity high at confidence 100 scores 15 (quarantine); the reasons say why.
      assert.equal(detail?.status, 'quarantined');
      assert.ok(detail?.reasons.some((r) => r.startsWith('IOC_HASH_MATCH')), JSON.stringify(detail?.reasons));
    } finally {
      await admin.close();
    }
  });

  it('matches sender and subject indicators on the envelope and headers', async () => {
    const body = plainMessage({ from: 'clerk@mail.evil-sender.example', subject: 'Your  Account statement', body: 'see portal' });
    const result = await sendMessage(moat.smtpPort, { from: 'bounce@mail.evil-sender.example', to: ['bob@example.test'], body });
    const symbols = (await findingsOf(moat, queueIdOf(result.data?.text))).map((f) => f.symbol);
    assert.ok(symbols.includes('IOC_SENDER_MATCH'), JSON.stringify(symbols));
    assert.ok(symbols.includes('IOC_SUBJECT_MATCH'), JSON.stringify(symbols));
  });

  it('reloads rules live, and keeps the running rules when a new file does not compile', async () => {
    await writeFile(join(rulesDir, 'second.yar'), 'rule moat_second_marker { meta: score = 1 strings: $a = "read me" condition: $a }\n');
    const reloaded = await moat.gateway.reloadRules();
    assert.equal(reloaded?.ok, true);
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body: nestedMessage('after reload') });
    const queueId = queueIdOf(result.data?.text);
    assert.ok((await findingsOf(moat, queueId)).some((f) => f.symbol === 'YARA_MOAT_SECOND_MARKER'));

    await writeFile(join(rulesDir, 'broken.yar'), 'rule broken { condition: \n');
    const failed = await moat.gateway.reloadRules();
    assert.equal(failed?.ok, false);
    const again = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body: nestedMessage('after broken reload') });
    const againId = queueIdOf(again.data?.text);
    assert.ok((await findingsOf(moat, againId)).some((f) => f.symbol === 'YARA_MOAT_SECOND_MARKER'), 'the previous rules still run');
  });
});
