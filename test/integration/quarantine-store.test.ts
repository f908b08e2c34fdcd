/**
 * The quarantine store over a real spool and database: what a release puts
 * back in the spool is exactly what may be delivered (a partial release must
 * never reach the other recipients, even after a restart), and concurrent
 * holders of one body keep it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SpoolMeta } from '../../src/delivery/index.js';
import { createQuarantine, type Quarantine } from '../../src/quarantine/index.js';
import { Spool } from '../../src/spool/index.js';
import { createQuarantineIndex, createQueueStore, openSqliteStorage, type Storage } from '../../src/storage/index.js';

async function* once(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

function metaFor(queueId: string, rcptTo: string[]): SpoolMeta {
  return {
    queueId,
    envelope: { mailFrom: 'a@sender.example', rcptTo, client: { address: '127.0.0.1', port: 1, helo: 'x' }, sessionId: 's', receivedAt: new Date().toISOString(), smtpUtf8: false },
    verdict: { action: 'quarantine', score: 20, reasons: ['TEST (+20): held'], policyVersion: 'v' },
    headerPrefix: 'Received: test\r\n',
    size: 0,
    sha256: '',
  };
}

describe('quarantine store', () => {
  let dir: string;
  let storage: Storage;
  let spool: Spool;
  let quarantine: Quarantine;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-quarantine-'));
    storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    spool = await Spool.open(join(dir, 'spool'));
    const queue = createQueueStore(storage.db, 'n1');
    quarantine = await createQuarantine({
      dir: join(dir, 'quarantine'),
      index: createQuarantineIndex(storage.db),
      spool,
      enqueue: (queueId, recipients, now) => queue.enqueue(queueId, recipients, now),
      setStatus: async () => undefined,
    });
  });

  after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a partial release spools an envelope with the released recipients only', async () => {
    const incoming = await spool.receive(once('Subject: held\r\n\r\nbody\r\n'), { maxBytes: 1000 });
    await quarantine.hold(incoming, metaFor(incoming.queueId, ['bob@example.test', 'carol@example.test']));
    await quarantine.release(incoming.queueId, 'test', ['carol@example.test']);
    const spooled = await spool.readMeta(incoming.queueId);
    assert.deepEqual(spooled?.envelope.rcptTo, ['carol@example.test'], 'recovery after a restart re-queues exactly these');
    // What spool recovery at the next start sees, read from disk, not from memory.
    const recovered = (await (await Spool.open(join(dir, 'spool'))).recover()).committed.find((m) => m.queueId === incoming.queueId);
    assert.deepEqual(recovered?.envelope.rcptTo, ['carol@example.test']);
  });

  it('keeps a body shared by two held messages until the last one is deleted', async () => {
    const first = await spool.receive(once('Subject: same\r\n\r\nsame body\r\n'), { maxBytes: 1000 });
    const second = await spool.receive(once('Subject: same\r\n\r\nsame body\r\n'), { maxBytes: 1000 });
    assert.equal(first.sha256, second.sha256);
    await quarantine.hold(first, metaFor(first.queueId, ['bob@example.test']));
    await quarantine.hold(second, metaFor(second.queueId, ['bob@example.test']));
    const body = join(dir, 'quarantine', 'bodies', first.sha256.slice(0, 2), `${first.sha256}.eml`);
    await quarantine.delete(first.queueId);
    assert.ok((await stat(body)).isFile(), 'still held by the second message');
    await quarantine.delete(second.queueId);
    await assert.rejects(stat(body), /ENOENT/);
  });
});
