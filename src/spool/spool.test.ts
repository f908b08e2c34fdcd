import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SpoolMeta } from '../delivery/ports.js';
import { createBodyScanner } from './body-scan.js';
import { Spool } from './spool.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part, 'latin1');
}

function metaFor(queueId: string): SpoolMeta {
  return {
    queueId,
    envelope: { mailFrom: 'a@b.example', rcptTo: ['c@example.test'], client: { address: '127.0.0.1', port: 1, helo: 'x' }, sessionId: 's', receivedAt: new Date(0).toISOString(), smtpUtf8: false },
    verdict: { action: 'deliver', score: 0, reasons: [], policyVersion: 'v' },
    headerPrefix: 'Received: x\r\n',
    size: 0,
    sha256: '',
  };
}

describe('spool', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-spool-'));
    spool = await Spool.open(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('streams a body to incoming/ with its hash and size, and commits it', async () => {
    const incoming = await spool.receive(chunks('Subject: hi\r\n', '\r\nbody\r\n'), { maxBytes: 1000 });
    assert.equal(incoming.size, 21);
    assert.match(incoming.sha256, /^[0-9a-f]{64}$/);
    await spool.commit(incoming, metaFor(incoming.queueId));
    assert.deepEqual(await readdir(join(dir, 'incoming')), []);
    assert.equal(await readFile(spool.bodyPath(incoming.queueId), 'latin1'), 'Subject: hi\r\n\r\nbody\r\n');
    assert.equal((await spool.readMeta(incoming.queueId))?.queueId, incoming.queueId);
  });

  it('drains but does not store a body over the size limit', async () => {
    const incoming = await spool.receive(chunks('x'.repeat(600), 'y'.repeat(600)), { maxBytes: 1000 });
    assert.equal(incoming.oversized, true);
    assert.deepEqual(await readdir(join(dir, 'incoming')), []);
  });

  it('recovers committed entries, drops unacknowledged bodies and moves corrupt meta aside', async () => {
    const kept = await spool.receive(chunks('kept\r\n'), { maxBytes: 100 });
    await spool.commit(kept, metaFor(kept.queueId));
    await spool.receive(chunks('never acknowledged\r\n'), { maxBytes: 100 });
    await writeFile(join(dir, 'messages', '01ABCDEFGHJKMNPQRSTV.eml'), 'body without meta');
    await writeFile(join(dir, 'messages', '01ABCDEFGHJKMNPQRSTW.eml'), 'body');
    await writeFile(join(dir, 'messages', '01ABCDEFGHJKMNPQRSTW.json'), '{"truncated');

    const report = await (await Spool.open(dir)).recover();
    assert.deepEqual(report.committed.map((m) => m.queueId), [kept.queueId]);
    assert.deepEqual(report.corrupt, ['01ABCDEFGHJKMNPQRSTW']);
    assert.equal(report.abandoned, 2);
    assert.deepEqual((await readdir(join(dir, 'corrupt'))).sort(), ['01ABCDEFGHJKMNPQRSTW.eml', '01ABCDEFGHJKMNPQRSTW.json']);
  });

  it('keeps settled recipients across a restart and drops them with the entry', async () => {
    const incoming = await spool.receive(chunks('Subject: hi\r\n\r\nbody\r\n'), { maxBytes: 1000 });
    await spool.commit(incoming, metaFor(incoming.queueId));
    const settled = { recipient: 'c@example.test', outcome: 'delivered' as const, reply: '250 2.0.0 ok', target: 'smtp:mx:25' };
    await spool.recordSettled(incoming.queueId, [settled]);
    await spool.recordSettled(incoming.queueId, [{ ...settled, recipient: 'd@example.test', outcome: 'failed', reply: '550 5.1.1 no' }]);
    // An orphan (its entry gone) is dropped at recovery.
    await writeFile(join(dir, 'messages', '01M8C0S8ZJ7DVH7ZK249.settled'), '[]');

    const reopened = await Spool.open(dir);
    await reopened.recover();
    assert.deepEqual(reopened.settled(incoming.queueId).map((s) => [s.recipient, s.outcome]), [['c@example.test', 'delivered'], ['d@example.test', 'failed']]);
    assert.ok(!(await readdir(join(dir, 'messages'))).includes('01M8C0S8ZJ7DVH7ZK249.settled'));
    await reopened.remove(incoming.queueId);
    assert.deepEqual(reopened.settled(incoming.queueId), []);
    assert.deepEqual(await readdir(join(dir, 'messages')), []);
  });

  it('refuses to touch paths that are not queue ids', async () => {
    assert.equal(await spool.readMeta('../../etc/passwd'), undefined);
    assert.throws(() => spool.openBody('../x'), /not a queue id/);
  });
});

describe('body scanner', () => {
  function scan(...parts: string[]) {
    const scanner = createBodyScanner();
    for (const part of parts) scanner.update(Buffer.from(part, 'latin1'));
    return scanner.result();
  }

  it('sees a clean CRLF body as clean, even when CR and LF fall in different chunks', () => {
    assert.deepEqual(scan('a\r', '\nb\r\n'), { bareLf: false, bareCr: false, nul: false, eightBit: false, longestLine: 1 });
  });

  it('finds bare LF, bare CR, NUL and 8-bit octets', () => {
    assert.equal(scan('a\nb\r\n').bareLf, true);
    assert.equal(scan('a\rb\r\n').bareCr, true);
    assert.equal(scan('a\0b\r\n').nul, true);
    assert.equal(scan('caf\xe9\r\n').eightBit, true);
  });

  it('measures the longest line without its line end', () => {
    assert.equal(scan(`${'x'.repeat(1200)}\r\nshort\r\n`).longestLine, 1200);
    assert.equal(scan('abc').longestLine, 3);
  });
});
