/**
 * The quarantine over a real spool and database, with each content store:
 * files on this node (SQLite installations) and the database (PostgreSQL
 * installations, also run on SQLite to hold both engines to one contract).
 * What a release puts back in the spool is exactly what may be delivered,
 * bodies are stored once and kept while any entry needs them, large bodies
 * travel in chunks byte for byte, and with the database store a second node
 * shows and releases what the first held.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { SpoolMeta } from '../../src/delivery/index.js';
import { createDatabaseContentStore, createFileContentStore, createQuarantine, type Quarantine, type QuarantineContentStore } from '../../src/quarantine/index.js';
import { Spool } from '../../src/spool/index.js';
import { createQuarantineContent, createQuarantineIndex, createQueueStore, QUARANTINE_CHUNK_BYTES, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES, type StorageEngine, type StoragePlace } from '../support/storage-engines.js';

async function* once(data: string | Buffer): AsyncIterable<Uint8Array> {
  yield Buffer.from(data);
}

async function readStream(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
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

/** One gateway node's view: its own spool and queue, the shared database, a content store. */
interface Node {
  readonly dir: string;
  readonly storage: Storage;
  readonly spool: Spool;
  readonly content: QuarantineContentStore;
  readonly quarantine: Quarantine;
}

type ContentKind = 'files' | 'database';

async function openNode(place: StoragePlace, kind: ContentKind, name: string): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), `moat-quarantine-${name}-`));
  const storage = await place.open();
  const spool = await Spool.open(join(dir, 'spool'));
  const queue = createQueueStore(storage.db, name);
  const index = createQuarantineIndex(storage.db);
  const content =
    kind === 'database'
      ? createDatabaseContentStore(createQuarantineContent(storage.db))
      : await createFileContentStore({ dir: join(dir, 'quarantine'), countReferences: (sha256) => index.countBySha256(sha256) });
  const quarantine = await createQuarantine({
    content,
    index,
    spool,
    enqueue: (queueId, recipients, now) => queue.enqueue(queueId, recipients, now),
    setStatus: async () => undefined,
  });
  return { dir, storage, spool, content, quarantine };
}

async function closeNode(node: Node): Promise<void> {
  await node.storage.close();
  await rm(node.dir, { recursive: true, force: true });
}

/** Whether the body is still stored, looked up where the store keeps it (not through the store). */
async function bodyStored(node: Node, sha256: string): Promise<boolean> {
  if (node.content.kind === 'files') {
    return stat(join(node.dir, 'quarantine', 'bodies', sha256.slice(0, 2), `${sha256}.eml`)).then(
      () => true,
      () => false,
    );
  }
  const rows = await node.storage.db.selectFrom('quarantine_bodies').select('sha256').where('sha256', '=', sha256).execute();
  return rows.length === 1;
}

const VARIANTS: Array<{ engine: StorageEngine; kind: ContentKind }> = [
  ...STORAGE_ENGINES.filter((e) => e.name === 'sqlite').map((engine) => ({ engine, kind: 'files' as const })),
  ...STORAGE_ENGINES.map((engine) => ({ engine, kind: 'database' as const })),
];

for (const { engine, kind } of VARIANTS) {
  describe(`quarantine store (${kind} on ${engine.name})`, { skip: engine.skip ?? false }, () => {
    let place: StoragePlace;
    let node: Node;

    before(async () => {
      place = await engine.place('quarantine');
      node = await openNode(place, kind, 'node-a');
    });

    after(async () => {
      await closeNode(node);
      await place.remove();
    });

    it('a partial release spools an envelope with the released recipients only', async () => {
      const incoming = await node.spool.receive(once('Subject: held\r\n\r\nbody\r\n'), { maxBytes: 1000 });
      await node.quarantine.hold(incoming, metaFor(incoming.queueId, ['bob@example.test', 'carol@example.test']));
      await assert.rejects(stat(incoming.path), /ENOENT/, 'held: the spool file was handed over');
      await node.quarantine.release(incoming.queueId, 'test', ['carol@example.test']);
      const spooled = await node.spool.readMeta(incoming.queueId);
      assert.deepEqual(spooled?.envelope.rcptTo, ['carol@example.test'], 'recovery after a restart re-queues exactly these');
      // What spool recovery at the next start sees, read from disk, not from memory.
      const recovered = (await (await Spool.open(join(node.dir, 'spool'))).recover()).committed.find((m) => m.queueId === incoming.queueId);
      assert.deepEqual(recovered?.envelope.rcptTo, ['carol@example.test']);
    });

    it('keeps a body shared by two held messages until the last one is deleted', async () => {
      const first = await node.spool.receive(once('Subject: same\r\n\r\nsame body\r\n'), { maxBytes: 1000 });
      const second = await node.spool.receive(once('Subject: same\r\n\r\nsame body\r\n'), { maxBytes: 1000 });
      assert.equal(first.sha256, second.sha256);
      await node.quarantine.hold(first, metaFor(first.queueId, ['bob@example.test']));
      await node.quarantine.hold(second, metaFor(second.queueId, ['bob@example.test']));
      await node.quarantine.delete(first.queueId);
      assert.equal(await bodyStored(node, first.sha256), true, 'still held by the second message');
      assert.equal(await node.quarantine.show(first.queueId), undefined, 'the deleted one is gone from view');
      assert.ok(await node.quarantine.show(second.queueId));
      await node.quarantine.delete(second.queueId);
      assert.equal(await bodyStored(node, first.sha256), false);
    });

    it('stores a multi-chunk body once and gives it back byte for byte', async () => {
      const body = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), randomBytes(Math.floor(QUARANTINE_CHUNK_BYTES * 2.5))]);
      const incoming = await node.spool.receive(once(body), { maxBytes: body.length + 1 });
      await node.quarantine.keepOriginal(incoming, metaFor(incoming.queueId, ['bob@example.test']));
      assert.ok((await stat(incoming.path)).isFile(), 'a kept original leaves the spool file where it is');
      assert.deepEqual(await readStream(await node.quarantine.openBody(incoming.queueId)), body);
      if (kind === 'database') {
        const chunks = await node.storage.db.selectFrom('quarantine_body_chunks').select('seq').where('sha256', '=', incoming.sha256).execute();
        assert.equal(chunks.length, 3);
      }
    });
  });
}

for (const engine of STORAGE_ENGINES) {
  describe(`quarantine content in the database (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let place: StoragePlace;
    let a: Node;
    let b: Node;

    before(async () => {
      place = await engine.place('quarantine_nodes');
      a = await openNode(place, 'database', 'node-a');
      b = await openNode(place, 'database', 'node-b');
    });

    after(async () => {
      await closeNode(a);
      await closeNode(b);
      await place.remove();
    });

    it('a second node shows and releases what the first one held, into its own spool', async () => {
      const incoming = await a.spool.receive(once('Subject: cross-node\r\n\r\nheld at A\r\n'), { maxBytes: 1000 });
      await a.quarantine.hold(incoming, metaFor(incoming.queueId, ['bob@example.test']));
      const shown = await b.quarantine.show(incoming.queueId);
      assert.deepEqual(shown?.meta.envelope.rcptTo, ['bob@example.test']);
      assert.equal((await readStream(await b.quarantine.openBody(incoming.queueId))).toString(), 'Subject: cross-node\r\n\r\nheld at A\r\n');
      await b.quarantine.release(incoming.queueId, 'analyst', undefined);
      assert.equal((await b.spool.readMeta(incoming.queueId))?.envelope.rcptTo[0], 'bob@example.test', 'queued at the node that released it');
      assert.equal(await a.spool.readMeta(incoming.queueId), undefined);
      await assert.rejects(a.quarantine.release(incoming.queueId, 'someone else'), /already released/);
    });

    it('refuses a body that does not match its hash or size, storing nothing', async () => {
      const content = createQuarantineContent(a.storage.db);
      const sha256 = 'ee'.repeat(32);
      await assert.rejects(content.putBody({ sha256, size: 5, chunks: once('hello'), at: new Date() }), (error: Error & { code?: string }) => error.code === 'QUARANTINE_BODY_MISMATCH');
      assert.equal(await content.hasBody(sha256), false);
      const rows = await sql<{ n: number | string }>`select count(*) as n from quarantine_body_chunks where sha256 = ${sha256}`.execute(a.storage.db);
      assert.equal(Number(rows.rows[0]?.n), 0);
    });

    // SQLite serves one node: two connections writing one file from one thread would only test SQLite's locking.
    const oneNodeOnly = engine.name === 'sqlite' ? 'SQLite installations have one node' : false;
    it('two nodes holding and deleting copies of one body at once never lose it while one is held', { skip: oneNodeOnly }, async () => {
      const text = `Subject: race\r\n\r\n${randomBytes(2000).toString('hex')}\r\n`;
      const holds: Array<{ node: Node; queueId: string }> = [];
      await Promise.all(
        Array.from({ length: 12 }, async (_, n) => {
          const node = n % 2 === 0 ? a : b;
          const incoming = await node.spool.receive(once(text), { maxBytes: 10_000 });
          await node.quarantine.hold(incoming, metaFor(incoming.queueId, ['bob@example.test']));
          holds.push({ node, queueId: incoming.queueId });
        }),
      );
      const sha256 = (await a.quarantine.show(holds[0]?.queueId ?? ''))?.entry.sha256 ?? '';
      const bodies = await a.storage.db.selectFrom('quarantine_bodies').select('sha256').where('sha256', '=', sha256).execute();
      assert.equal(bodies.length, 1, 'stored once');
      // Delete all but the last, from both nodes at once, while the last is read.
      const last = holds.pop() as { node: Node; queueId: string };
      await Promise.all(holds.map(({ node, queueId }, n) => (n % 2 === 0 ? node : node === a ? b : a).quarantine.delete(queueId)));
      assert.equal((await readStream(await last.node.quarantine.openBody(last.queueId))).toString(), text);
      await last.node.quarantine.delete(last.queueId);
      assert.equal(await bodyStored(a, sha256), false, 'gone with its last reference');
    });
  });
}
