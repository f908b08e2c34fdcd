/**
 * The delivery runner against real SMTP sinks on 127.0.0.1 and a real
 * Maildir, with small in-memory stand-ins for the queue, spool, injector and
 * attempt log (the real ones live in storage/ and spool/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import type { DeliveryConfig, DomainConfig } from '../../src/config/schema.js';
import type { Envelope, Verdict } from '../../src/core/index.js';
import { createDeliveryRunner } from '../../src/delivery/index.js';
import type {
  AttemptOutcome,
  DeliveryAttempt,
  DeliveryRunner,
  DueFilter,
  QueueItem,
  QueueStore,
  SettledRecipient,
  SpoolMeta,
  SpoolReader,
} from '../../src/delivery/index.js';

// ---------- test doubles -------------------------------------------------------------

type RowState = 'pending' | 'delivered' | 'failed';

interface Row {
  id: number;
  queueId: string;
  recipient: string;
  domain: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  state: RowState;
  reply: string;
}

class World extends EventEmitter {
  readonly rows: Row[] = [];
  readonly spoolEntries = new Map<string, { meta: SpoolMeta; body: Buffer }>();
  readonly removed: string[] = [];
  readonly injected: { mailFrom: string; rcptTo: readonly string[]; raw: Buffer }[] = [];
  readonly attempts: DeliveryAttempt[] = [];
  readonly outcomes: [AttemptOutcome, string][] = [];
  dueCalls = 0;
  readMetaCalls = 0;
  /** Every due() call: the filter it got and the row ids it returned. */
  readonly dueLog: { filter: DueFilter | undefined; ids: number[] }[] = [];
  /** Behave like a store that predates DueFilter (the runner must still never hand a row out twice). */
  ignoreFilter = false;
  /** markDelivered calls left that fail as if the database were gone. */
  failMarkDelivered = 0;
  readonly settledEntries = new Map<string, readonly SettledRecipient[]>();
  private nextId = 1;
  private seq = 0;

  /** Resolves when `predicate` holds, re-checked on every change; no sleeps. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await once(this, 'change');
  }

  changed(): void {
    this.emit('change');
  }

  enqueue(opts: { mailFrom: string; rcptTo: string[]; body: string; verdict?: Partial<Verdict>; createdAt?: Date; headerPrefix?: string }): string {
    this.seq += 1;
    const queueId = `Q${String(this.seq).padStart(19, '0')}`;
    const created = opts.createdAt ?? new Date();
    const envelope: Envelope = {
      mailFrom: opts.mailFrom,
      rcptTo: opts.rcptTo,
      client: { address: '192.0.2.1', port: 4000, helo: 'client.test' },
      sessionId: `s${this.seq}`,
      receivedAt: created.toISOString(),
      smtpUtf8: false,
    };
    const verdict: Verdict = { action: 'deliver', score: 0, reasons: [], policyVersion: 'test', ...opts.verdict };
    const body = Buffer.from(opts.body);
    this.spoolEntries.set(queueId, {
      meta: { queueId, envelope, verdict, headerPrefix: opts.headerPrefix ?? 'X-Moat-Test: 1\r\n', size: body.length, sha256: '' },
      body,
    });
    for (const recipient of opts.rcptTo) {
      this.rows.push({
        id: this.nextId++,
        queueId,
        recipient,
        domain: (recipient.split('@')[1] ?? '').toLowerCase(),
        attempts: 0,
        createdAt: created.toISOString(),
        nextAttemptAt: created.toISOString(),
        state: 'pending',
        reply: '',
      });
    }
    this.changed();
    return queueId;
  }

  rowsOf(queueId: string): Row[] {
    return this.rows.filter((r) => r.queueId === queueId);
  }

  private update(ids: readonly number[], fn: (row: Row) => void): void {
    for (const row of this.rows) if (ids.includes(row.id)) fn(row);
    this.changed();
  }

  readonly queue: QueueStore = {
    due: async (now, limit, filter) => {
      this.dueCalls += 1;
      const f = this.ignoreFilter ? {} : (filter ?? {});
      const due = this.rows
        .filter((r) => r.state === 'pending' && Date.parse(r.nextAttemptAt) <= now.getTime())
        .filter((r) => !(f.excludeIds ?? []).includes(r.id) && !(f.excludeDomains ?? []).includes(r.domain))
        .filter((r) => f.onlyDomains === undefined || f.onlyDomains.includes(r.domain))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id)
        .slice(0, limit)
        .map((r): QueueItem => ({ ...r }));
      this.dueLog.push({ filter, ids: due.map((r) => r.id) });
      this.changed();
      return due;
    },
    markDelivered: async (ids, reply) => {
      if (this.failMarkDelivered > 0) {
        this.failMarkDelivered -= 1;
        throw new Error('connect ECONNREFUSED (database gone)');
      }
      this.update(ids, (r) => Object.assign(r, { state: 'delivered', reply }));
    },
    markFailed: async (ids, reply) => this.update(ids, (r) => Object.assign(r, { state: 'failed', reply })),
    markDeferred: async (ids, reply, next) =>
      this.update(ids, (r) => Object.assign(r, { reply, attempts: r.attempts + 1, nextAttemptAt: next.toISOString() })),
    remaining: async (queueId) => this.rowsOf(queueId).filter((r) => r.state === 'pending').length,
  };

  readonly spool: SpoolReader = {
    readMeta: async (queueId) => {
      this.readMetaCalls += 1;
      this.changed();
      return this.spoolEntries.get(queueId)?.meta;
    },
    openBody: (queueId) => {
      const entry = this.spoolEntries.get(queueId);
      if (!entry) throw new Error(`no body for ${queueId}`);
      return Readable.from([entry.body]);
    },
    settled: (queueId) => this.settledEntries.get(queueId) ?? [],
    recordSettled: async (queueId, settled) => {
      this.settledEntries.set(queueId, [...(this.settledEntries.get(queueId) ?? []), ...settled]);
      this.changed();
    },
    remove: async (queueId) => {
      this.spoolEntries.delete(queueId);
      this.removed.push(queueId);
      this.changed();
    },
  };
}

// ---------- SMTP sink ---------------------------------------------------------------

interface Sink {
  readonly port: number;
  readonly messages: { to: string[]; raw: Buffer }[];
  /** Replies to RCPT by address; consumed once when the value is an array. */
  readonly rcptReplies: Map<string, number[]>;
  hold: boolean;
  readonly held: (() => void)[];
  active: number;
  maxActive: number;
  /** Every connection the sink accepted, with a promise for its close. */
  readonly connections: Promise<void>[];
  close(): Promise<void>;
}

async function startSink(world: World): Promise<Sink> {
  const sink: Sink = {
    port: 0,
    messages: [],
    rcptReplies: new Map(),
    hold: false,
    held: [],
    active: 0,
    maxActive: 0,
    connections: [],
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = sink.rcptReplies.get(address.address)?.shift();
      if (code === undefined) {
        callback();
        return;
      }
      callback(Object.assign(new Error(code >= 500 ? '5.1.1 no such user' : '4.2.1 mailbox busy'), { responseCode: code }));
    },
    onData(stream, session, callback) {
      sink.active += 1;
      sink.maxActive = Math.max(sink.maxActive, sink.active);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const finish = (): void => {
          sink.active -= 1;
          sink.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
          callback(null, 'queued');
          world.changed();
        };
        if (sink.hold) sink.held.push(finish);
        else finish();
        world.changed();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sink.connections.push(once(socket, 'close').then(() => undefined));
    world.changed();
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return Object.assign(sink, {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

// ---------- harness ------------------------------------------------------------------

const delivery: DeliveryConfig = {
  concurrency: 4,
  maxAgeHours: 120,
  retry: { initialSeconds: 60, maxSeconds: 3600, factor: 2 },
  connectTimeoutSeconds: 5,
  maildir: 'maildir',
};

interface Harness {
  readonly world: World;
  readonly sink: Sink;
  readonly runner: DeliveryRunner;
  readonly maildirRoot: string;
  /** The runner's clock; tests move it forward to make deferred rows due. */
  clock: { offsetMs: number };
  close(): Promise<void>;
}

interface HarnessOptions {
  concurrency?: number;
  perDestination?: number;
  extraDomains?: DomainConfig[];
  stopTimeoutMs?: number;
  pollIntervalMs?: number;
  sessionReuse?: false;
}

async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const world = new World();
  const sink = await startSink(world);
  const maildirRoot = await mkdtemp(join(tmpdir(), 'moat-runner-'));
  const clock = { offsetMs: 0 };
  const domains: DomainConfig[] = [
    { name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none', verifyCertificate: false } },
    { name: 'local.test', recipients: 'any' },
    ...(opts.extraDomains ?? []),
  ];
  const runner = createDeliveryRunner({
    queue: world.queue,
    spool: world.spool,
    injector: {
      inject: async (mailFrom, rcptTo, raw) => {
        world.injected.push({ mailFrom, rcptTo, raw });
        world.changed();
        return 'DSN0000000000000000001';
      },
    },
    log: {
      recordAttempt: async (attempt) => {
        world.attempts.push(attempt);
        world.changed();
      },
    },
    domains,
    delivery: { ...delivery, concurrency: opts.concurrency ?? delivery.concurrency },
    maildirRoot,
    hostname: 'mx.moat.test',
    logger: pino({ level: 'silent' }),
    onOutcome: (outcome, target) => world.outcomes.push([outcome, target]),
    now: () => new Date(Date.now() + clock.offsetMs),
    random: () => 0.5,
    pollIntervalMs: opts.pollIntervalMs ?? 20,
    ...(opts.sessionReuse === false ? { sessionReuse: false } : {}),
    ...(opts.perDestination !== undefined ? { perDestinationConcurrency: opts.perDestination } : {}),
    ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
  });
  return {
    world,
    sink,
    runner,
    maildirRoot,
    clock,
    close: async () => {
      await runner.stop();
      await sink.close();
      await rm(maildirRoot, { recursive: true, force: true });
    },
  };
}

function contentText(content: string | ArrayBuffer | Uint8Array | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return Buffer.from(content instanceof ArrayBuffer ? new Uint8Array(content) : content).toString('utf8');
}

const body = 'From: sender@outside.test\r\nTo: a@example.test\r\nSubject: hello\r\n\r\nbody\r\n';

// ---------- tests --------------------------------------------------------------------

test('delivers all recipients of a message for one hop in one transaction, then removes the spool entry', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.runner.start();
    const queueId = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test', 'b@example.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    assert.equal(h.sink.messages.length, 1);
    assert.deepEqual(h.sink.messages[0]?.to.sort(), ['a@example.test', 'b@example.test']);
    assert.equal(h.sink.messages[0]?.raw.toString(), `X-Moat-Test: 1\r\n${body}`);
    assert.deepEqual(h.world.rowsOf(queueId).map((r) => r.state), ['delivered', 'delivered']);
    assert.match(h.world.rowsOf(queueId)[0]?.reply ?? '', /^250 /);
    assert.deepEqual(
      h.world.attempts.map((a) => [a.recipient, a.outcome, a.target]).sort(),
      [
        ['a@example.test', 'delivered', `smtp:127.0.0.1:${h.sink.port}`],
        ['b@example.test', 'delivered', `smtp:127.0.0.1:${h.sink.port}`],
      ],
    );
    assert.deepEqual(h.world.outcomes.map(([o]) => o), ['delivered', 'delivered']);
    assert.equal(h.world.injected.length, 0);
  } finally {
    await h.close();
  }
});

test('a delivery whose outcome the queue cannot record is recorded by the next attempt, not sent again', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.world.failMarkDelivered = 1;
    h.runner.start();
    const queueId = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test', 'b@example.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.settledEntries.has(queueId));
    assert.deepEqual(h.world.settledEntries.get(queueId)?.map((s) => [s.recipient, s.outcome]).sort(), [['a@example.test', 'delivered'], ['b@example.test', 'delivered']]);
    assert.deepEqual(h.world.rowsOf(queueId).map((r) => r.state), ['pending', 'pending'], 'the queue could not say so');
    await h.world.until(() => h.world.removed.includes(queueId));
    assert.equal(h.sink.messages.length, 1, 'sent once');
    assert.deepEqual(h.world.rowsOf(queueId).map((r) => r.state), ['delivered', 'delivered']);
    assert.match(h.world.rowsOf(queueId)[0]?.reply ?? '', /^250 /, "the next hop's reply, kept from the first attempt");
    assert.deepEqual(h.world.attempts.map((a) => [a.recipient, a.outcome, a.target]).sort(), [
      ['a@example.test', 'delivered', `smtp:127.0.0.1:${h.sink.port}`],
      ['b@example.test', 'delivered', `smtp:127.0.0.1:${h.sink.port}`],
    ]);
  } finally {
    await h.close();
  }
});

test('a domain without a next hop goes to the Maildir; a tag verdict prefixes the Subject', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.runner.start();
    const queueId = h.world.enqueue({
      mailFrom: 'sender@outside.test',
      rcptTo: ['Carol@Local.test'],
      body,
      verdict: { action: 'tag', subjectPrefix: '[SUSPECT]' },
    });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    const folder = join(h.maildirRoot, 'local.test', 'Carol', 'new');
    const files = await readdir(folder);
    assert.equal(files.length, 1);
    const stored = await readFile(join(folder, files[0] ?? ''), 'utf8');
    assert.equal(stored, `X-Moat-Test: 1\r\n${body.replace('Subject: hello', 'Subject: [SUSPECT] hello')}`);
    assert.match(h.world.attempts[0]?.target ?? '', /^maildir:/);
    assert.deepEqual(h.world.outcomes, [['delivered', 'maildir']]);
  } finally {
    await h.close();
  }
});

test('a temporary rejection defers with back-off, and the retry delivers', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.sink.rcptReplies.set('a@example.test', [451]);
    h.runner.start();
    const queueId = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test'], body });
    h.runner.kick();
    await h.world.until(() => (h.world.rowsOf(queueId)[0]?.attempts ?? 0) === 1);
    const row = h.world.rowsOf(queueId)[0];
    assert.equal(row?.state, 'pending');
    assert.match(row?.reply ?? '', /^451 /);
    // random() = 0.5 means no jitter: exactly initialSeconds after the attempt.
    const delay = Date.parse(row?.nextAttemptAt ?? '') - Date.parse(h.world.attempts[0]?.at ?? '');
    assert.equal(delay, 60_000);
    assert.equal(h.world.attempts[0]?.outcome, 'deferred');
    assert.equal(h.sink.messages.length, 0);

    h.clock.offsetMs = 61_000;
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    assert.equal(h.world.rowsOf(queueId)[0]?.state, 'delivered');
    assert.equal(h.sink.messages.length, 1);
    assert.equal(h.world.injected.length, 0);
  } finally {
    await h.close();
  }
});

test('a 550 fails that recipient, bounces to the sender, and still delivers the other one', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.sink.rcptReplies.set('gone@example.test', [550]);
    h.runner.start();
    const queueId = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['gone@example.test', 'ok@example.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    const states = Object.fromEntries(h.world.rowsOf(queueId).map((r) => [r.recipient, r.state]));
    assert.deepEqual(states, { 'gone@example.test': 'failed', 'ok@example.test': 'delivered' });
    assert.equal(h.world.injected.length, 1);
    const dsn = h.world.injected[0];
    assert.equal(dsn?.mailFrom, '');
    assert.deepEqual(dsn?.rcptTo, ['sender@outside.test']);
    const parsed = await PostalMime.parse(dsn?.raw ?? Buffer.alloc(0));
    assert.equal(parsed.to?.[0]?.address, 'sender@outside.test');
    const status = parsed.attachments.find((a) => a.mimeType === 'message/delivery-status');
    const statusText = contentText(status?.content);
    assert.match(statusText, /Final-Recipient: rfc822; gone@example\.test/);
    assert.match(statusText, /Status: 5\.1\.1/);
    assert.match(statusText, /Remote-MTA: dns; 127\.0\.0\.1/);
    assert.doesNotMatch(statusText, /ok@example\.test/);
    const headers = parsed.attachments.find((a) => a.mimeType === 'text/rfc822-headers');
    const headersText = contentText(headers?.content);
    assert.match(headersText, /Subject: hello/);
    assert.doesNotMatch(headersText, /X-Moat-Test/);
  } finally {
    await h.close();
  }
});

test('no bounce for the null sender', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.sink.rcptReplies.set('gone@example.test', [550]);
    h.runner.start();
    const queueId = h.world.enqueue({ mailFrom: '', rcptTo: ['gone@example.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    assert.equal(h.world.rowsOf(queueId)[0]?.state, 'failed');
    assert.equal(h.world.injected.length, 0);
  } finally {
    await h.close();
  }
});

test('a temporary failure past maxAgeHours fails the recipient with a bounce', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.sink.rcptReplies.set('a@example.test', [451]);
    h.runner.start();
    const old = new Date(Date.now() - 121 * 3600 * 1000);
    const queueId = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test'], body, createdAt: old });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(queueId));
    assert.equal(h.world.rowsOf(queueId)[0]?.state, 'failed');
    assert.equal(h.world.injected.length, 1);
    assert.match(h.world.injected[0]?.raw.toString() ?? '', /Action: failed\r\nStatus: 4\.2\.1/);
  } finally {
    await h.close();
  }
});

test('a missing spool entry fails its rows without stopping other deliveries', { timeout: 20_000 }, async () => {
  const h = await harness();
  try {
    h.runner.start();
    const lost = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test'], body });
    h.world.spoolEntries.delete(lost);
    const fine = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['b@example.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(fine) && h.world.rowsOf(lost)[0]?.state === 'failed');
    assert.match(h.world.rowsOf(lost)[0]?.reply ?? '', /spool entry missing/);
    assert.ok(!h.world.removed.includes(lost));
    assert.equal(h.world.injected.length, 0);
  } finally {
    await h.close();
  }
});

test('concurrency is respected: never more transactions than delivery.concurrency', { timeout: 20_000 }, async () => {
  const h = await harness({ concurrency: 2, perDestination: 5 });
  try {
    h.sink.hold = true;
    const ids = [1, 2, 3, 4, 5].map((n) => h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`r${n}@example.test`], body }));
    h.runner.start();
    let delivered = 0;
    while (delivered < ids.length) {
      const expected = Math.min(2, ids.length - delivered);
      await h.world.until(() => h.sink.held.length === expected);
      // The runner launches everything it may from one due() batch synchronously,
      // so once both are held any third launch would already have read its spool entry.
      assert.equal(h.world.readMetaCalls, delivered + expected);
      assert.ok(h.sink.maxActive <= 2);
      const release = h.sink.held.splice(0);
      for (const finish of release) finish();
      delivered += release.length;
      await h.world.until(() => h.world.removed.length >= delivered);
    }
    await h.world.until(() => ids.every((id) => h.world.removed.includes(id)));
    assert.equal(h.sink.maxActive, 2);
  } finally {
    h.sink.hold = false;
    for (const finish of h.sink.held.splice(0)) finish();
    await h.close();
  }
});

test('a dead next hop does not block other destinations, and stop() cancels it as a deferral', { timeout: 20_000 }, async () => {
  // A peer that accepts connections and never greets: the worst kind of dead.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const deadPort = (silent.address() as AddressInfo).port;
  const h = await harness({
    concurrency: 4,
    perDestination: 2,
    stopTimeoutMs: 50,
    extraDomains: [{ name: 'dead.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: deadPort, tls: 'none', verifyCertificate: false } }],
  });
  try {
    const dead = [1, 2, 3, 4].map((n) => h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`x${n}@dead.test`], body }));
    const alive = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['a@example.test'], body });
    h.runner.start();
    await h.world.until(() => h.world.removed.includes(alive) && sockets.size === 2);
    assert.equal(h.sink.messages.length, 1);
    await h.runner.stop();
    const deadRows = dead.flatMap((id) => h.world.rowsOf(id));
    const attempted = deadRows.filter((r) => r.attempts === 1);
    assert.equal(attempted.length, 2);
    for (const row of attempted) {
      assert.equal(row.state, 'pending');
      assert.match(row.reply, /^451 4\.3\.2 .*cancelled/);
    }
    assert.equal(h.world.injected.length, 0);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await h.close();
  }
});

// ---------- queue reads and session reuse ---------------------------------------------

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('kicks in one event-loop turn share one look at the queue', { timeout: 20_000 }, async () => {
  const h = await harness({ pollIntervalMs: 60_000 });
  try {
    h.runner.start();
    await h.world.until(() => h.world.dueCalls === 1);
    await nextTurn();
    for (let i = 0; i < 1000; i++) h.runner.kick();
    await h.world.until(() => h.world.dueCalls === 2);
    for (let i = 0; i < 5; i++) await nextTurn();
    assert.equal(h.world.dueCalls, 2);
  } finally {
    await h.close();
  }
});

test('kicks while every delivery slot is busy do not read the queue', { timeout: 20_000 }, async () => {
  const h = await harness({ concurrency: 1, perDestination: 1, pollIntervalMs: 60_000 });
  try {
    h.sink.hold = true;
    const ids = [1, 2, 3].map((n) => h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`r${n}@example.test`], body }));
    h.runner.start();
    await h.world.until(() => h.sink.held.length === 1);
    const before = h.world.dueCalls;
    // One kick per turn, as intake does for each queued message.
    for (let i = 0; i < 200; i++) {
      h.runner.kick();
      await nextTurn();
    }
    assert.equal(h.world.dueCalls, before);
    h.sink.hold = false;
    for (const finish of h.sink.held.splice(0)) finish();
    await h.world.until(() => ids.every((id) => h.world.removed.includes(id)));
    assert.equal(h.sink.messages.length, 3);
  } finally {
    h.sink.hold = false;
    for (const finish of h.sink.held.splice(0)) finish();
    await h.close();
  }
});

test('rows in flight and rows of a full destination are not read again; other destinations go on', { timeout: 20_000 }, async () => {
  const h = await harness({ concurrency: 4, perDestination: 1, pollIntervalMs: 60_000 });
  try {
    h.sink.hold = true;
    const remote = [1, 2, 3].map((n) => h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`r${n}@example.test`], body }));
    h.runner.start();
    await h.world.until(() => h.sink.held.length === 1);
    const inFlightId = h.world.rowsOf(remote[0] ?? '')[0]?.id;
    const mark = h.world.dueLog.length;
    const local = h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: ['carol@local.test'], body });
    h.runner.kick();
    await h.world.until(() => h.world.removed.includes(local));
    for (let i = 0; i < 20; i++) {
      h.runner.kick();
      await nextTurn();
    }
    const later = h.world.dueLog.slice(mark);
    assert.ok(later.length > 0);
    const remoteRows = new Set(h.world.rows.filter((r) => r.domain === 'example.test').map((r) => r.id));
    for (const call of later) {
      assert.deepEqual(call.ids.filter((id) => remoteRows.has(id)), []);
      assert.deepEqual(call.filter?.excludeDomains, ['example.test']);
      assert.ok(inFlightId !== undefined && call.filter?.excludeIds?.includes(inFlightId));
    }
    assert.equal(h.sink.held.length, 1);
    h.sink.hold = false;
    for (const finish of h.sink.held.splice(0)) finish();
    await h.world.until(() => remote.every((id) => h.world.removed.includes(id)));
    assert.deepEqual(h.sink.messages.flatMap((m) => m.to).sort(), ['r1@example.test', 'r2@example.test', 'r3@example.test']);
  } finally {
    h.sink.hold = false;
    for (const finish of h.sink.held.splice(0)) finish();
    await h.close();
  }
});

test('no row is handed to two deliveries, even by a store that ignores the filter', { timeout: 30_000 }, async () => {
  for (const ignoreFilter of [false, true]) {
    const h = await harness({ concurrency: 4, perDestination: 4 });
    try {
      h.world.ignoreFilter = ignoreFilter;
      h.runner.start();
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        ids.push(h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`a${n}@example.test`, `b${n}@example.test`], body }));
        h.runner.kick();
        if (n % 3 === 0) await nextTurn();
      }
      await h.world.until(() => ids.every((id) => h.world.removed.includes(id)));
      const delivered = h.sink.messages.flatMap((m) => m.to);
      assert.equal(delivered.length, 40, `ignoreFilter=${String(ignoreFilter)}`);
      assert.equal(new Set(delivered).size, 40);
      assert.equal(h.world.attempts.length, 40);
      // Recipients of one message still share one transaction.
      assert.equal(h.sink.messages.length, 20);
    } finally {
      await h.close();
    }
  }
});

test('the runner reuses SMTP sessions to a next hop and closes them on stop()', { timeout: 30_000 }, async () => {
  for (const reuse of [true, false]) {
    const h = await harness({ concurrency: 2, perDestination: 2, ...(reuse ? {} : { sessionReuse: false as const }) });
    try {
      h.runner.start();
      const ids: string[] = [];
      for (let n = 0; n < 10; n++) {
        ids.push(h.world.enqueue({ mailFrom: 'sender@outside.test', rcptTo: [`r${n}@example.test`], body }));
        h.runner.kick();
      }
      await h.world.until(() => ids.every((id) => h.world.removed.includes(id)));
      assert.equal(h.sink.messages.length, 10);
      if (reuse) assert.ok(h.sink.connections.length <= 2, `${h.sink.connections.length} connections for 10 messages`);
      else assert.equal(h.sink.connections.length, 10);
      await h.runner.stop();
      // Every session, idle ones included, is gone once stop() has returned.
      await Promise.all(h.sink.connections);
    } finally {
      await h.close();
    }
  }
});
