import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createQueueStore } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';
import type { SqlQueueStore, Storage } from '../../src/storage/index.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const Q1 = '01JQ1000000000000000';
const Q2 = '01JQ2000000000000000';
const Q3 = '01JQ3000000000000000';

for (const engine of STORAGE_ENGINES) {
  describe(`queue store (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let queue: SqlQueueStore;
    let other: SqlQueueStore;
    let clock = at(0);

    beforeEach(async () => {
      storage = await engine.open();
      clock = at(0);
      queue = createQueueStore(storage.db, 'node-a', { clock: () => clock });
      other = createQueueStore(storage.db, 'node-b', { clock: () => clock });
    });
    afterEach(async () => {
      await storage.close();
    });

    it('enqueues one pending row per recipient, idempotently', async () => {
      await queue.enqueue(Q1, ['a@one.example', 'B@Two.Example', 'a@one.example'], at(0));
      await queue.enqueue(Q1, ['a@one.example', 'B@Two.Example'], at(50));
      const rows = await queue.list();
      assert.deepEqual(
        rows.map((r) => [r.queueId, r.recipient, r.domain, r.state, r.attempts, r.createdAt, r.nextAttemptAt, r.organizationId, r.nodeId]),
        [
          [Q1, 'a@one.example', 'one.example', 'pending', 0, at(0).toISOString(), at(0).toISOString(), 1, 'node-a'],
          [Q1, 'B@Two.Example', 'two.example', 'pending', 0, at(0).toISOString(), at(0).toISOString(), 1, 'node-a'],
        ],
      );
      // A re-enqueue after a crash must not revive a final row either.
      const [first] = await queue.due(at(1), 10);
      assert.ok(first);
      await queue.markDelivered([first.id], '250 ok', at(1));
      await queue.enqueue(Q1, ['a@one.example'], at(60));
      assert.equal(await queue.remaining(Q1), 1);
    });

    it('returns due rows of this node only, ordered by next attempt then id, within the limit', async () => {
      await queue.enqueue(Q1, ['a@x.example', 'b@x.example'], at(10));
      await queue.enqueue(Q2, ['c@x.example'], at(5));
      await other.enqueue(Q3, ['d@x.example'], at(0));

      assert.deepEqual(await queue.due(at(4), 10), []);
      const due = await queue.due(at(10), 10);
      assert.deepEqual(
        due.map((r) => [r.queueId, r.recipient, r.attempts, r.createdAt, r.nextAttemptAt]),
        [
          [Q2, 'c@x.example', 0, at(5).toISOString(), at(5).toISOString()],
          [Q1, 'a@x.example', 0, at(10).toISOString(), at(10).toISOString()],
          [Q1, 'b@x.example', 0, at(10).toISOString(), at(10).toISOString()],
        ],
      );
      assert.equal((await queue.due(at(10), 2)).length, 2);
      assert.deepEqual(
        (await other.due(at(10), 10)).map((r) => r.queueId),
        [Q3],
      );
    });

    it('due() leaves out excluded ids and domains, or keeps only the given domains', async () => {
      await queue.enqueue(Q1, ['a@one.example', 'b@two.example', 'c@three.example'], at(0));
      await queue.enqueue(Q2, ['d@one.example'], at(1));
      const all = await queue.due(at(5), 10);
      const idOf = (recipient: string): number => all.find((r) => r.recipient === recipient)?.id ?? -1;
      const recipients = async (limit: number, filter: Parameters<SqlQueueStore['due']>[2]): Promise<string[]> =>
        (await queue.due(at(5), limit, filter)).map((r) => r.recipient);

      assert.deepEqual(await recipients(10, { excludeIds: [idOf('a@one.example'), idOf('c@three.example')] }), ['b@two.example', 'd@one.example']);
      assert.deepEqual(await recipients(10, { excludeDomains: ['one.example'] }), ['b@two.example', 'c@three.example']);
      assert.deepEqual(await recipients(10, { onlyDomains: ['one.example', 'three.example'] }), ['a@one.example', 'c@three.example', 'd@one.example']);
      assert.deepEqual(await recipients(10, { onlyDomains: [] }), []);
      assert.deepEqual(
        await recipients(10, { excludeIds: [idOf('a@one.example')], excludeDomains: ['two.example'], onlyDomains: ['one.example', 'two.example'] }),
        ['d@one.example'],
      );
      // The limit counts rows handed back, after the filter.
      assert.deepEqual(await recipients(1, { excludeIds: [idOf('a@one.example'), idOf('b@two.example')] }), ['c@three.example']);
      // Another node's rows stay out whatever the filter says.
      await other.enqueue(Q3, ['e@one.example'], at(0));
      assert.deepEqual(await recipients(10, { onlyDomains: ['one.example'] }), ['a@one.example', 'd@one.example']);
    });

    it('due() excludes more ids than fit in one statement', async () => {
      const recipients = Array.from({ length: 5010 }, (_, i) => `user${String(i).padStart(5, '0')}@x.example`);
      await queue.enqueue(Q1, recipients, at(0));
      const ids = (await queue.due(at(0), 10_000)).map((r) => r.id);
      assert.equal(ids.length, 5010);
      // 5005 excluded: past the 5000 bound into SQL, the last five are dropped after reading.
      const due = await queue.due(at(0), 3, { excludeIds: ids.slice(0, 5005) });
      assert.deepEqual(due.map((r) => r.recipient), ['user05005@x.example', 'user05006@x.example', 'user05007@x.example']);
      const excludedTail = await queue.due(at(0), 10, { excludeIds: [...ids.slice(0, 5000), ...ids.slice(5003)] });
      assert.deepEqual(excludedTail.map((r) => r.recipient), ['user05000@x.example', 'user05001@x.example', 'user05002@x.example']);
    });

    it('markDeferred counts the attempt, keeps the row pending and reschedules it', async () => {
      await queue.enqueue(Q1, ['a@x.example'], at(0));
      const [row] = await queue.due(at(0), 10);
      assert.ok(row);
      await queue.markDeferred([row.id], '451 try later', at(300), at(1));
      assert.deepEqual(await queue.due(at(299), 10), []);
      const [again] = await queue.due(at(300), 10);
      assert.equal(again?.attempts, 1);
      assert.equal(again.nextAttemptAt, at(300).toISOString());
      await queue.markDeferred([again.id], '451 again', at(900), at(301));
      const [listed] = await queue.list();
      assert.equal(listed?.attempts, 2);
      assert.equal(listed.lastReply, '451 again');
      assert.equal(listed.updatedAt, at(301).toISOString());
      assert.equal(listed.state, 'pending');
    });

    it('markDelivered and markFailed are final, counted once, and drive remaining()', async () => {
      await queue.enqueue(Q1, ['a@x.example', 'b@x.example', 'c@x.example'], at(0));
      const [a, b] = await queue.due(at(0), 10);
      assert.ok(a && b);
      assert.equal(await queue.remaining(Q1), 3);
      await queue.markDelivered([a.id], '250 ok', at(1));
      await queue.markFailed([b.id], '550 no such user', at(1));
      assert.equal(await queue.remaining(Q1), 1);
      // Repeating a mark, or deferring a final row, changes nothing.
      await queue.markDelivered([a.id], '250 again', at(2));
      await queue.markDeferred([b.id], '451', at(60), at(2));
      const rows = await queue.list();
      assert.deepEqual(
        rows.map((r) => [r.recipient, r.state, r.attempts, r.lastReply]),
        [
          ['a@x.example', 'delivered', 1, '250 ok'],
          ['b@x.example', 'failed', 1, '550 no such user'],
          ['c@x.example', 'pending', 0, undefined],
        ],
      );
      assert.deepEqual(
        (await queue.list({ state: 'failed' })).map((r) => r.recipient),
        ['b@x.example'],
      );
      assert.deepEqual(
        (await queue.due(at(100), 10)).map((r) => r.recipient),
        ['c@x.example'],
      );
      await queue.markDelivered([], 'noop', at(3));
    });

    it('retryNow makes pending rows due now and reports how many', async () => {
      await queue.enqueue(Q1, ['a@x.example', 'b@x.example'], at(0));
      const [a, b] = await queue.due(at(0), 10);
      assert.ok(a && b);
      await queue.markDeferred([a.id, b.id], '451', at(3600), at(1));
      await queue.markDelivered([b.id], '250', at(2));
      clock = at(10);
      assert.deepEqual(await queue.due(at(10), 10), []);
      assert.equal(await queue.retryNow(Q1), 1);
      assert.deepEqual(
        (await queue.due(at(10), 10)).map((r) => r.recipient),
        ['a@x.example'],
      );
      assert.equal(await queue.retryNow(Q2), 0);
    });

    it('deleteMessage removes only pending rows; depth and pendingQueueIds are per node', async () => {
      await queue.enqueue(Q1, ['a@x.example', 'b@x.example'], at(0));
      await queue.enqueue(Q2, ['c@x.example'], at(0));
      await other.enqueue(Q3, ['d@x.example', 'e@x.example'], at(0));
      assert.equal(await queue.depth(), 3);
      assert.equal(await other.depth(), 2);
      assert.deepEqual(await queue.pendingQueueIds(), [Q1, Q2]);
      assert.deepEqual(await other.pendingQueueIds(), [Q3]);

      const [a] = await queue.due(at(0), 1);
      assert.ok(a);
      await queue.markDelivered([a.id], '250', at(1));
      assert.equal(await queue.deleteMessage(Q1), 1);
      assert.equal(await queue.depth(), 1);
      assert.deepEqual(await queue.pendingQueueIds(), [Q2]);
      assert.deepEqual(
        (await queue.list({ nodeId: 'node-a' })).map((r) => [r.queueId, r.state]),
        [
          [Q1, 'delivered'],
          [Q2, 'pending'],
        ],
      );
      assert.equal((await queue.list()).length, 4);
    });

    it('marks many rows at once beyond one statement batch', async () => {
      const recipients = Array.from({ length: 1200 }, (_, i) => `user${String(i)}@x.example`);
      await queue.enqueue(Q1, recipients, at(0));
      assert.equal(await queue.depth(), 1200);
      const due = await queue.due(at(0), 5000);
      assert.equal(due.length, 1200);
      await queue.markDelivered(
        due.map((r) => r.id),
        '250',
        at(1),
      );
      assert.equal(await queue.depth(), 0);
      assert.equal(await queue.remaining(Q1), 0);
    });

    it('stores organization_id on every row', async () => {
      const org = await storage.db.insertInto('organizations').values({ name: 'acme', created_at: at(0).toISOString() }).returning('id').executeTakeFirstOrThrow();
      await queue.enqueue(Q1, ['a@x.example'], at(0));
      await queue.enqueue(Q2, ['b@x.example'], at(0), org.id);
      assert.deepEqual(
        (await queue.list()).map((r) => [r.queueId, r.organizationId]),
        [
          [Q1, 1],
          [Q2, org.id],
        ],
      );
    });
  });
}
