import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isQueueId } from '../src/core/index.js';
import { createMessageLog } from '../src/storage/index.js';
import { openSqliteScale } from './scale-db.js';
import { parseFillArgs, runFill } from './scale-fill.js';
import { SCALE_DEFAULTS, createRandom, createScaleGenerator, createZipf, senderDomain } from './scale-generate.js';
import type { ScaleBatch } from './scale-generate.js';
import { median, pagesTouched, rowsRemovedByFilter } from './scale-search.js';

function all(batches: readonly ScaleBatch[]): ScaleBatch {
  return {
    messages: batches.flatMap((b) => b.messages),
    recipients: batches.flatMap((b) => b.recipients),
    artifacts: batches.flatMap((b) => b.artifacts),
    urls: batches.flatMap((b) => b.urls),
    findings: batches.flatMap((b) => b.findings),
  };
}

function countBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(key(r), (out.get(key(r)) ?? 0) + 1);
  return out;
}

describe('scale generator', () => {
  it('gives the same rows for the same seed, whatever the batch size', () => {
    const whole = createScaleGenerator({ count: 400 }).next(400);
    const g = createScaleGenerator({ count: 400 });
    const parts: ScaleBatch[] = [];
    while (g.produced < 400) parts.push(g.next(7));
    assert.deepEqual(all(parts), whole);
    assert.equal(g.next(10).messages.length, 0, 'nothing past count');
    assert.notDeepEqual(createScaleGenerator({ count: 50, seed: 1 }).next(50).messages, createScaleGenerator({ count: 50, seed: 2 }).next(50).messages);
  });

  it('keeps every value inside its bounds', () => {
    const count = 3000;
    const b = createScaleGenerator({ count }).next(count);
    assert.equal(b.messages.length, count);
    const start = SCALE_DEFAULTS.startMs;
    const end = start + SCALE_DEFAULTS.spanDays * 86_400_000;
    let previous = '';
    const ids = new Set<string>();
    for (const m of b.messages) {
      assert.ok(isQueueId(m.queue_id), m.queue_id);
      ids.add(m.queue_id);
      const t = Date.parse(m.received_at);
      assert.ok(t >= start && t < end, m.received_at);
      assert.ok(m.received_at >= previous, 'received_at never goes back');
      previous = m.received_at;
      assert.equal(m.mail_from.slice(m.mail_from.indexOf('@') + 1), m.sender_domain);
      assert.match(m.sha256, /^[0-9a-f]{64}$/);
      assert.ok(m.organization_id >= 1 && m.organization_id <= SCALE_DEFAULTS.organizations);
      assert.ok(['deliver', 'tag', 'quarantine', 'reject'].includes(m.action));
    }
    assert.equal(ids.size, count, 'queue ids are unique');
    assert.equal(new Set(b.messages.map((m) => m.message_id)).size, count, 'message ids are unique');

    const orgOf = new Map(b.messages.map((m) => [m.queue_id, m.organization_id]));
    const perMessage = (rows: readonly { queue_id: string; organization_id: number }[]): Map<string, number> => {
      for (const r of rows) assert.equal(r.organization_id, orgOf.get(r.queue_id), 'child rows share the message organization');
      return countBy(rows, (r) => r.queue_id);
    };
    const recipients = perMessage(b.recipients);
    assert.equal(recipients.size, count, 'every message has a recipient');
    for (const n of recipients.values()) assert.ok(n >= 1 && n <= 3);
    assert.equal(new Set(b.recipients.map((r) => `${r.queue_id} ${r.recipient}`)).size, b.recipients.length, 'recipient primary key holds');
    for (const r of b.recipients) assert.equal(r.recipient.slice(r.recipient.indexOf('@') + 1), r.domain);
    for (const n of perMessage(b.artifacts).values()) assert.ok(n >= 1 && n <= 3);
    for (const n of perMessage(b.urls).values()) assert.ok(n >= 1 && n <= 5);
    for (const n of perMessage(b.findings).values()) assert.ok(n >= 1 && n <= 4);
    for (const u of b.urls) assert.equal(new URL(u.url).hostname.split('.').reverse().join('.'), u.host_reversed);
    for (const a of b.artifacts) assert.match(a.sha256, /^[0-9a-f]{64}$/);
    // Zipf: the most popular sender domain is the most frequent one, far above the median domain.
    const domains = countBy(b.messages, (m) => m.sender_domain);
    const top = [...domains.entries()].sort((x, y) => y[1] - x[1])[0];
    assert.equal(top?.[0], senderDomain(0));
    assert.ok(domains.size > 500, 'senders spread over many domains');
  });

  it('samples Zipf ranks inside [0, n) and favours low ranks', () => {
    const zipf = createZipf(1000, 1);
    const random = createRandom(7);
    const seen = new Array<number>(1000).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const k = zipf(random());
      assert.ok(k >= 0 && k < 1000);
      seen[k] = (seen[k] ?? 0) + 1;
    }
    assert.ok((seen[0] ?? 0) > (seen[1] ?? 0) && (seen[1] ?? 0) > (seen[100] ?? 0));
    assert.equal(zipf(0), 0);
    assert.equal(zipf(0.999999999), 999);
  });
});

describe('scale fill (SQLite)', () => {
  it('writes the generated rows, resumes to the same log, and the product search finds them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-scale-'));
    try {
      const base = parseFillArgs(['--engine', 'sqlite', '--count', '120', '--batch', '50']);
      const resumed = join(dir, 'resumed.sqlite');
      const first = await runFill({ ...base, count: 300, stopAt: 120, sqlitePath: resumed }, () => undefined);
      assert.equal(first.messages, 120);
      assert.equal(first.complete, false);
      const second = await runFill({ ...base, count: 300, stopAt: 300, sqlitePath: resumed }, () => undefined);
      assert.equal(second.written, 180);
      assert.equal(second.complete, true);
      const fresh = await runFill({ ...base, count: 300, stopAt: 300, sqlitePath: join(dir, 'fresh.sqlite') }, () => undefined);
      assert.deepEqual(second.rows, fresh.rows);
      const expected = createScaleGenerator({ count: 300 }).next(300);
      assert.deepEqual(fresh.rows, {
        messages: 300,
        message_recipients: expected.recipients.length,
        artifacts: expected.artifacts.length,
        message_urls: expected.urls.length,
        findings: expected.findings.length,
      });

      const h = await openSqliteScale(resumed);
      try {
        const target = expected.messages[150];
        assert.ok(target !== undefined);
        const found = await createMessageLog(h.db, 'test').search({ sender: target.mail_from, limit: 1000 });
        assert.ok(found.some((m) => m.queueId === target.queue_id));
        const detail = await createMessageLog(h.db, 'test').get(target.queue_id);
        assert.equal(detail?.findings.length, expected.findings.filter((f) => f.queue_id === target.queue_id).length);
      } finally {
        await h.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses out-of-bounds arguments', () => {
    assert.throws(() => parseFillArgs(['--count', '0']), /--count/);
    assert.throws(() => parseFillArgs(['--engine', 'mysql']), /--engine/);
    assert.throws(() => parseFillArgs(['--batch', '1e9']), /--batch/);
    assert.throws(() => parseFillArgs(['--count', '10', '--stop-at', '11']), /--stop-at/);
  });
});

describe('scale search helpers', () => {
  it('reads medians and EXPLAIN figures', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const plan = 'Limit\n  Buffers: shared hit=20 read=5\n  ->  Index Scan\n        Rows Removed by Filter: 39999\n  Rows Removed by Filter: 1';
    assert.equal(rowsRemovedByFilter(plan), 40_000);
    assert.equal(pagesTouched(plan), 25);
  });
});
