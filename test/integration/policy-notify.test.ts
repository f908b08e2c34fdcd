/**
 * Policy changes reach every node at once through PostgreSQL LISTEN/NOTIFY:
 * the change feed's channel names (per schema, within PostgreSQL's 63-byte
 * limit), the feed itself (delivered at commit only, kept apart per schema,
 * re-listening with a `resync` after its backend is killed or the network
 * is cut), and two gateways on one database where a `moat policy import`
 * applies on the other node within about two seconds while polling is set to
 * an hour, including after that node's listening session was terminated.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { stringify } from 'yaml';
import { changeChannelName, openPostgresStorage, type ChangeEvent, type ChangeFeedState, type Storage } from '../../src/storage/index.js';
import { runCliInProcess } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { RawSmtpClient } from '../support/smtp-client.js';
import {
  dropSchema,
  POSTGRES_DATABASE,
  POSTGRES_HOST,
  POSTGRES_PORT,
  POSTGRES_TEST_OPTIONS,
  POSTGRES_USER,
  postgresUnavailableReason,
  uniqueSchemaName,
} from '../support/storage-engines.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait.js';

const unavailable = await postgresUnavailableReason();
const URL_BASE = `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DATABASE}`;

/** Runs `text` on a connection of its own (not the storage under test). */
async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, database: POSTGRES_DATABASE, user: POSTGRES_USER, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Terminates the listening sessions on `channel` (only this test's: the channel names its schema); returns how many. */
async function terminateListeners(channel: string): Promise<number> {
  const rows = await adminQuery<{ pid: number }>(
    `select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where application_name = 'moat-listen' and position($1 in query) > 0`,
    [`LISTEN "${channel}"`],
  );
  return rows.length;
}

/** The sessions currently listening on `channel`. */
async function listenerCount(channel: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(`select count(*) as n from pg_stat_activity where application_name = 'moat-listen' and position($1 in query) > 0`, [`LISTEN "${channel}"`]);
  return Number(rows[0]?.n ?? 0);
}

/** Events a subscriber received, with a way to wait for the next one that matches. */
function recorder(): { events: ChangeEvent[]; listener: (event: ChangeEvent) => void; next(match: (event: ChangeEvent) => boolean, what: string): Promise<ChangeEvent> } {
  const events: ChangeEvent[] = [];
  const waiters: Array<{ match: (event: ChangeEvent) => boolean; resolve: (event: ChangeEvent) => void }> = [];
  const taken = new Set<ChangeEvent>();
  return {
    events,
    listener(event) {
      events.push(event);
      for (const waiter of [...waiters]) {
        if (!waiter.match(event)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    },
    next(match, what) {
      // The event may have come before the caller asked (a commit returns after its notification went out).
      const early = events.find((event) => !taken.has(event) && match(event));
      if (early !== undefined) {
        taken.add(early);
        return Promise.resolve(early);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within 10 s (got ${JSON.stringify(events)})`)), 10_000);
        waiters.push({
          match,
          resolve: (event) => {
            taken.add(event);
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
  };
}

const isChange = (payload: string) => (event: ChangeEvent) => event.kind === 'change' && event.payload === payload;
const isResync = (event: ChangeEvent) => event.kind === 'resync';

/** Notifies `topic` on `storage`'s feed in a transaction that commits (or rolls back when `rollback`). */
async function notifyIn(storage: Storage, payload: string, options: { rollback?: boolean } = {}): Promise<void> {
  const feed = storage.changes;
  assert.ok(feed, 'PostgreSQL storage has a change feed');
  const rolledBack = new Error('rolled back on purpose');
  await storage.db
    .transaction()
    .execute(async (trx) => {
      await feed.notify(trx, 'policy', payload);
      if (options.rollback === true) throw rolledBack;
    })
    .catch((error: unknown) => {
      if (error !== rolledBack) throw error;
    });
}

describe('change channel names', () => {
  it('name the schema and the topic', () => {
    assert.equal(changeChannelName('acme', 'policy'), 'moat:acme:policy');
    assert.notEqual(changeChannelName('acme', 'policy'), changeChannelName('acme2', 'policy'));
  });

  it('fit 63 bytes and stay distinct for long schemas sharing a prefix', () => {
    const a = `${'s'.repeat(62)}a`;
    const b = `${'s'.repeat(62)}b`;
    for (const schema of [a, b, 'é'.repeat(40), `x${'ü'.repeat(31)}`]) {
      const name = changeChannelName(schema, 'policy');
      assert.ok(Buffer.byteLength(name) <= 63, `${name} is ${Buffer.byteLength(name)} bytes`);
      assert.ok(name.startsWith('moat:') && name.endsWith(':policy'), name);
      assert.ok(!name.includes('\uFFFD'), 'no character cut in half');
      assert.equal(changeChannelName(schema, 'policy'), name, 'stable');
    }
    assert.notEqual(changeChannelName(a, 'policy'), changeChannelName(b, 'policy'));
    assert.equal(changeChannelName('s'.repeat(51), 'policy').length, 63, 'the longest name that fits is kept whole');
    assert.equal(changeChannelName('s'.repeat(51), 'policy'), `moat:${'s'.repeat(51)}:policy`);
  });
});

describe('change feed on PostgreSQL', { skip: unavailable }, () => {
  const schemaA = uniqueSchemaName('feed_a');
  const schemaB = uniqueSchemaName('feed_b');
  const schemas = [schemaA, schemaB];

  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('delivers at commit only, and never across schemas', async () => {
    const [x, y] = await Promise.all(schemas.map((schema) => openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema })));
    assert.ok(x?.changes && y?.changes);
    try {
      const onX = recorder();
      const onY = recorder();
      await x.changes.subscribe('policy', onX.listener);
      await y.changes.subscribe('policy', onY.listener);

      await notifyIn(x, 'x-rolled-back', { rollback: true });
      await notifyIn(x, 'x-1');
      await onX.next(isChange('x-1'), 'x-1 on x');
      // Notifications arrive in commit order: when y's own arrives, one of x's sent before would have too.
      await notifyIn(y, 'y-1');
      await onY.next(isChange('y-1'), 'y-1 on y');
      assert.deepEqual(onY.events, [{ kind: 'change', payload: 'y-1' }]);
      assert.deepEqual(onX.events, [{ kind: 'change', payload: 'x-1' }], 'the rolled-back notification never arrived');
    } finally {
      await x.close();
      await y.close();
    }
  });

  it('re-listens after its backend is terminated and tells the listener to resync', async () => {
    const states: ChangeFeedState[] = [];
    const storage = await openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema: schemaA, onChangeFeedState: (state) => states.push(state) });
    try {
      const events = recorder();
      await storage.changes?.subscribe('policy', events.listener);
      const channel = changeChannelName(schemaA, 'policy');
      assert.equal(await terminateListeners(channel), 1);
      await events.next(isResync, 'resync');
      assert.equal(states[0]?.state, 'lost');
      assert.equal(states.at(-1)?.state, 'restored');

      await notifyIn(storage, 'after-reconnect');
      await events.next(isChange('after-reconnect'), 'a notification on the new session');
      assert.equal(await listenerCount(channel), 1, 'one listening session, not two');
    } finally {
      await storage.close();
    }
  });

  it('survives a network cut, retrying until the path is back, and stops when closed', async () => {
    const proxy = await startTcpProxy({ host: POSTGRES_HOST, port: POSTGRES_PORT });
    try {
      await cutAndRestore(proxy, schemaB);
    } finally {
      await proxy.close();
    }
  });
});

/** The network-cut scenario on `schema`, through `proxy`. */
async function cutAndRestore(proxy: TcpProxy, schema: string): Promise<void> {
  const states: ChangeFeedState[] = [];
  let onLost: () => void = () => undefined;
  const lost = new Promise<void>((resolve) => {
    onLost = resolve;
  });
  let closed = false;
  const storage = await openPostgresStorage({
    ...POSTGRES_TEST_OPTIONS,
    port: proxy.port,
    schema,
    // The pool's idle connections are cut too; the pool replaces them on the next query.
    onPoolError: () => undefined,
    onChangeFeedState: (state) => {
      states.push(state);
      if (state.state === 'lost') onLost();
    },
  });
  try {
    const events = recorder();
    await storage.changes?.subscribe('policy', events.listener);
    await proxy.cut();
    await lost;
    // Retries fail while the path is down: at least one more `lost`, each waiting longer (backoff).
    await waitUntil(() => (states.filter((s) => s.state === 'lost').length >= 3 ? true : undefined), 10_000, 'retries during the cut');
    await proxy.restore();
    await events.next(isResync, 'resync after the cut');
    await notifyIn(storage, 'after-cut');
    await events.next(isChange('after-cut'), 'a notification after the cut');
    const retries = states.filter((s): s is Extract<ChangeFeedState, { state: 'lost' }> => s.state === 'lost').map((s) => s.retryInMs);
    assert.ok(retries.every((ms) => ms >= 125 && ms <= 30_000), retries.join(', '));
    // Jittered within [ceiling/2, ceiling) of a doubling ceiling: the first three cannot overlap.
    assert.ok(retries[0]! < retries[1]! && retries[1]! < retries[2]!, `backoff grows: ${retries.join(', ')}`);

    // Closed while cut off: it must not come back on its own.
    await proxy.cut();
    const second = await waitUntil(() => {
      const last = states.at(-1);
      return last?.state === 'lost' ? last : undefined;
    }, 10_000, 'the second loss');
    closed = true;
    await storage.close();
    const accepted = proxy.accepted();
    await proxy.restore();
    // Absence can only be shown by waiting: well past the retry that was scheduled when it closed.
    await new Promise((resolve) => setTimeout(resolve, second.retryInMs * 2 + 500));
    assert.equal(proxy.accepted(), accepted, 'no reconnect after close');
  } finally {
    if (!closed) await storage.close();
  }
}

/** Whether `recipient` lands in a different policy than bob@ on `moat` (RCPT answered 452 4.5.3). */
async function separatedFromBob(client: RawSmtpClient, recipient: string): Promise<boolean> {
  assert.equal((await client.command('RSET')).code, 250);
  assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
  assert.equal((await client.command('RCPT TO:<bob@example.test>')).code, 250);
  const reply = await client.command(`RCPT TO:<${recipient}>`);
  assert.ok(reply.code === 250 || reply.code === 452, `${reply.code} ${reply.text}`);
  return reply.code === 452;
}

describe('policy changes reach every node at once', { skip: unavailable }, () => {
  const schema = uniqueSchemaName('notify');
  const storage = { backend: 'postgres', postgres: { url: URL_BASE, schema } };
  // An hour: a change seen within seconds came through the feed, not the poll.
  const overrides = { storage, policy: { refreshSeconds: 3600 }, domains: [{ name: 'example.test', recipients: 'any' }] };
  let nodeA: TestGateway;
  let nodeB: TestGateway;
  let smtpB: RawSmtpClient;

  before(async () => {
    nodeA = await startTestGateway({ ...overrides, node: { id: 'node-a', hostname: 'mx-a.test.moat' } });
    nodeB = await startTestGateway({ ...overrides, node: { id: 'node-b', hostname: 'mx-b.test.moat' } });
    smtpB = await RawSmtpClient.connect(nodeB.smtpPort);
    await smtpB.read();
    assert.equal((await smtpB.command('EHLO client.example.net')).code, 250);
  });

  after(async () => {
    smtpB?.close();
    await nodeA?.stop();
    await nodeB?.stop();
    await dropSchema(schema);
  });

  /** `moat policy import` through node A's config (the CLI writes to the shared database, as an operator's would). */
  async function importOnA(name: string, document: unknown): Promise<void> {
    const file = join(nodeA.dataDir, name);
    await writeFile(file, stringify(document));
    const imported = await runCliInProcess(['policy', 'import', file, '--config', nodeA.configPath]);
    assert.equal(imported.code, 0, imported.stderr);
  }

  it('applies an import on the other node within about two seconds', async () => {
    assert.equal(await separatedFromBob(smtpB, 'carol@example.test'), false, 'revision 0: one policy for everyone');
    assert.equal(await listenerCount(changeChannelName(schema, 'policy')), 2, 'each node listens once');

    await importOnA('policy-2.yaml', { recipients: { 'carol@example.test': { thresholds: { tag: 4 } } } });
    const imported = Date.now();
    await waitUntil(async () => ((await separatedFromBob(smtpB, 'carol@example.test')) ? true : undefined), 5000, 'node B to apply the import');
    const elapsed = Date.now() - imported;
    assert.ok(elapsed < 2000, `applied after ${elapsed} ms`);
  });

  it('still applies an import after the node lost its listening session', async () => {
    const channel = changeChannelName(schema, 'policy');
    // Both nodes' sessions (the channel scopes this to the test); the import follows at once, so it
    // may well be sent before node B listens again: the resync then finds it.
    assert.equal(await terminateListeners(channel), 2);
    await importOnA('policy-3.yaml', { recipients: { 'dave@example.test': { thresholds: { tag: 4 } } } });
    await waitUntil(async () => ((await separatedFromBob(smtpB, 'dave@example.test')) ? true : undefined), 5000, 'node B to apply the import after reconnecting');
    assert.equal(await separatedFromBob(smtpB, 'carol@example.test'), false, 'revision 3 replaced revision 2');
    await waitUntil(async () => ((await listenerCount(channel)) === 2 ? true : undefined), 5000, 'both nodes to listen again');
  });
});
