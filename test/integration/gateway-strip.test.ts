/**
 * Attachment stripping on the SMTP path: a message whose only problem is an
 * attachment is delivered with that attachment replaced by a notice, the
 * original is kept in quarantine, and releasing it delivers it whole.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, tinyPe } from '../support/messages.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

describe('attachment stripping', () => {
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      policy: { stripAttachments: { enabled: true, notice: 'Removed {name} ({type}) because {reason}.' } },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  it('delivers the message without the executable, keeps the original, and releases it whole', async () => {
    const pe = tinyPe();
    const peBase64 = pe.toString('base64').slice(0, 60);
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body: messageWithAttachment({ filename: 'setup.exe', content: pe }) });
    const queueId = queueIdOf(result.data);

    const stripped = await waitUntil(() => sink.messages.find((m) => m.raw.includes('Please see the attached invoice.')), 15_000, 'the stripped delivery');
    const text = stripped.raw.toString('latin1');
    assert.ok(!text.includes(peBase64), 'the executable is gone');
    assert.match(text, /^X-Moat-Stripped: 2\r$/m);
    assert.match(text, /filename="setup\.exe\.removed\.txt"/);
    assert.match(text, /Removed setup\.exe \(application\/octet-stream\) because FILETYPE_EXECUTABLE/);

    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      assert.ok(detail?.action === 'deliver' || detail?.action === 'tag', `delivered (stripped), not held: ${detail?.action ?? ''}`);
      assert.ok(detail?.reasons.some((r) => r.startsWith('attachment 2 (setup.exe) stripped (policy stripAttachments)')), detail?.reasons.join('\n'));
      const held = await admin.quarantine.list({ state: 'held' });
      assert.deepEqual(held.map((e) => e.queueId), [queueId]);

      await admin.quarantine.release(queueId, 'test');
    } finally {
      await admin.close();
    }
    const original = await waitUntil(() => sink.messages.find((m) => m.raw.toString('latin1').includes(peBase64)), 15_000, 'the released original');
    assert.ok(!original.raw.toString('latin1').includes('X-Moat-Stripped'), 'the released original is whole');
    assert.deepEqual(original.rcptTo, ['bob@example.test']);
  });
});
