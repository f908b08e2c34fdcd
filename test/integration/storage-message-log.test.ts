import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { AnalysisResult, Envelope, Verdict } from '../../src/core/index.js';
import { MoatError, createQueueId } from '../../src/core/index.js';
import { createSeenDomains, createMessageLog } from '../../src/storage/index.js';
import type { MessageLog, MessageSearch, MessageStatus, RecordMessageEntry, Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

interface EntryOptions {
  readonly at?: number;
  readonly mailFrom?: string;
  readonly rcptTo?: readonly string[];
  readonly subject?: string;
  readonly messageId?: string;
  readonly clientIp?: string;
  readonly sha256?: string;
  readonly artifactSha256?: string;
  readonly urls?: readonly string[];
  readonly action?: Verdict['action'];
  readonly status?: MessageStatus;
}

let seq = 0;

function makeEntry(o: EntryOptions = {}): RecordMessageEntry {
  const at = o.at ?? T0;
  const envelope: Envelope = {
    mailFrom: o.mailFrom ?? 'alice@sender.example',
    rcptTo: o.rcptTo ?? ['bob@corp.example'],
    client: { address: o.clientIp ?? '192.0.2.10', port: 40000, helo: 'mx.sender.example', tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } },
    sessionId: 'sess1',
    receivedAt: new Date(at).toISOString(),
    smtpUtf8: false,
  };
  const analysis: AnalysisResult = {
    headers: {
      subject: o.subject ?? 'Quarterly report',
      messageId: o.messageId ?? `<${String(at)}@sender.example>`,
      from: '"Alice" <alice@sender.example>',
    },
    artifacts: [
      { path: '1', declaredType: 'text/plain', size: 10, sha256: HASH_B },
      {
        path: '2',
        declaredName: 'invoice.pdf',
        declaredType: 'application/pdf',
        detectedType: 'application/x-msdownload',
        detectedExtension: 'exe',
        disposition: 'attachment',
        size: 2048,
        sha256: o.artifactSha256 ?? 'c'.repeat(64),
      },
    ],
    findings: [
      { engine: 'filetype', symbol: 'FILETYPE_MISMATCH', score: 5, severity: 'high', detail: 'pdf is exe', artifact: '2' },
      { engine: 'smtp', symbol: 'SMTP_NO_RDNS', score: 0.5, severity: 'low', detail: 'no reverse name' },
    ],
    urls: o.urls ?? [],
    elapsedMs: 12.4,
  };
  const verdict: Verdict = { action: o.action ?? 'deliver', score: 5.5, reasons: ['FILETYPE_MISMATCH (5)'], policyVersion: 'p1' };
  return {
    queueId: createQueueId(at, Buffer.from(String((seq += 1)).padStart(10, '0'))),
    envelope,
    size: 4096,
    sha256: o.sha256 ?? HASH_A,
    analysis,
    verdict,
    status: o.status ?? 'queued',
  };
}

for (const engine of STORAGE_ENGINES) {
  describe(`message log (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let log: MessageLog;
    const now = new Date(T0 + 60_000);

    beforeEach(async () => {
      storage = await engine.open();
      log = createMessageLog(storage.db, 'node-a', { clock: () => now });
    });
    afterEach(async () => {
      await storage.close();
    });

    it('records a message and reads it back whole', async () => {
      const entry = makeEntry({ rcptTo: ['bob@corp.example', 'Carol@Corp.Example', 'bob@corp.example'] });
      await log.recordMessage(entry);
      const got = await log.get(entry.queueId);
      assert.ok(got);
      assert.deepEqual(got, {
        queueId: entry.queueId,
        organizationId: 1,
        nodeId: 'node-a',
        sessionId: 'sess1',
        receivedAt: entry.envelope.receivedAt,
        mailFrom: 'alice@sender.example',
        helo: 'mx.sender.example',
        clientIp: '192.0.2.10',
        clientPort: 40000,
        tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
        size: 4096,
        sha256: HASH_A,
        messageId: `${String(T0)}@sender.example`,
        subject: 'Quarterly report',
        headerFrom: '"Alice" <alice@sender.example>',
        action: 'deliver',
        score: 5.5,
        reasons: ['FILETYPE_MISMATCH (5)'],
        policyVersion: 'p1',
        status: 'queued',
        elapsedMs: 12,
        updatedAt: now.toISOString(),
        recipients: [
          { recipient: 'Carol@Corp.Example', domain: 'corp.example', status: 'pending' },
          { recipient: 'bob@corp.example', domain: 'corp.example', status: 'pending' },
        ],
        artifacts: entry.analysis.artifacts,
        findings: entry.analysis.findings,
        urls: [],
        attempts: [],
      });
      assert.equal(await log.get('0000000000NOSUCHID00'), undefined);
    });

    it('is idempotent by queue id: a replay writes nothing', async () => {
      const entry = makeEntry();
      await log.recordMessage(entry);
      await log.recordMessage({ ...entry, status: 'rejected' });
      const got = await log.get(entry.queueId);
      assert.equal(got?.status, 'queued');
      assert.equal(got.artifacts.length, 2);
      assert.equal(got.findings.length, 2);
      assert.equal(got.recipients.length, 1);
    });

    it('writes organization_id 1 on every row by default and the given one otherwise', async () => {
      const entry = makeEntry();
      await log.recordMessage(entry);
      await log.recordAttempt({ queueId: entry.queueId, recipient: 'bob@corp.example', target: 'smtp:127.0.0.1:25', outcome: 'delivered', reply: '250 ok', at: now.toISOString(), durationMs: 3 });
      for (const table of ['messages', 'message_recipients', 'artifacts', 'findings', 'delivery_attempts'] as const) {
        const rows = await storage.db.selectFrom(table).select('organization_id').execute();
        assert.ok(rows.length > 0, table);
        assert.ok(
          rows.every((r) => r.organization_id === 1),
          table,
        );
      }
      const org = await storage.db.insertInto('organizations').values({ name: 'acme', created_at: now.toISOString() }).returning('id').executeTakeFirstOrThrow();
      const other = makeEntry({ at: T0 + 1 });
      await log.recordMessage({ ...other, organizationId: org.id });
      const [summary] = await log.search({ queueId: other.queueId });
      assert.equal(summary?.organizationId, org.id);
      assert.deepEqual(
        (await log.search({ organizationId: org.id })).map((m) => m.queueId),
        [other.queueId],
      );
    });

    it('keeps authentication results and domain sightings (first seen stays, later sightings count)', async () => {
      const seen = createSeenDomains(storage.db);
      assert.equal(await seen.watchingSince(), undefined);
      const first = { ...makeEntry({ at: T0 }), auth: { spf: 'pass', dkim: 'fail', dmarc: 'fail', arc: 'none' }, seenDomains: ['Shop.Example.', 'track.example'] };
      await log.recordMessage(first);
      assert.deepEqual((await log.get(first.queueId))?.auth, { spf: 'pass', dkim: 'fail', dmarc: 'fail', arc: 'none' });
      assert.equal((await log.get(makeEntry().queueId))?.auth, undefined);

      const later = { ...makeEntry({ at: T0 + 5000 }), seenDomains: ['shop.example', 'new.example'] };
      await log.recordMessage(later);
      const found = await seen.firstSeen(['SHOP.example', 'new.example', 'never.example']);
      assert.deepEqual([...found.entries()].sort(), [
        ['new.example', new Date(T0 + 5000).toISOString()],
        ['shop.example', new Date(T0).toISOString()],
      ]);
      assert.equal(await seen.watchingSince(), new Date(T0).toISOString());
      const row = await storage.db.selectFrom('seen_domains').selectAll().where('domain', '=', 'shop.example').executeTakeFirstOrThrow();
      assert.deepEqual([row.messages, row.last_seen], [2, new Date(T0 + 5000).toISOString()]);
    });

    it('setStatus changes the status and updated time', async () => {
      const entry = makeEntry();
      await log.recordMessage(entry);
      await log.setStatus(entry.queueId, 'quarantined');
      assert.equal((await log.get(entry.queueId))?.status, 'quarantined');
    });

    describe('search', () => {
      let ids: Record<string, string> = {};
      beforeEach(async () => {
        const entries = {
          percent: makeEntry({ at: T0 + 1000, subject: '50% off everything', mailFrom: 'Promo@Shop.example', rcptTo: ['dave@corp.example'], clientIp: '198.51.100.7' }),
          digits: makeEntry({ at: T0 + 2000, subject: '500 items shipped', mailFrom: 'orders@shop.example', sha256: 'd'.repeat(64), urls: ['https://track.shop.example/p?id=1', 'http://192.0.2.44/x'] }),
          underscore: makeEntry({ urls: ['https://shop.example/', 'https://evilshop.example/login'], at: T0 + 3000, subject: 'code 5_0 and a\\b', messageId: '<unique-id@x.example>', artifactSha256: 'e'.repeat(64), action: 'reject', status: 'rejected' }),
          bounce: makeEntry({ at: T0 + 4000, subject: 'Undelivered', mailFrom: '', rcptTo: ['Erin@Other.example'] }),
        };
        ids = {};
        for (const [name, entry] of Object.entries(entries)) {
          await log.recordMessage(entry);
          ids[name] = entry.queueId;
        }
      });
      const names = (list: readonly { queueId: string }[]): string[] => list.map((m) => Object.keys(ids).find((k) => ids[k] === m.queueId) ?? m.queueId);

      it('returns everything newest first, with recipients, and honours limit', async () => {
        const all = await log.search({});
        assert.deepEqual(names(all), ['bounce', 'underscore', 'digits', 'percent']);
        assert.deepEqual(all[0]?.recipients, ['Erin@Other.example']);
        assert.deepEqual(names(await log.search({ limit: 2 })), ['bounce', 'underscore']);
        assert.deepEqual(names(await log.search({ limit: 0 })), ['bounce']);
      });

      it('matches subject substrings case-insensitively, with % _ and \\ taken literally', async () => {
        assert.deepEqual(names(await log.search({ subject: '50%' })), ['percent']);
        assert.deepEqual(names(await log.search({ subject: 'OFF' })), ['percent']);
        assert.deepEqual(names(await log.search({ subject: '5_0' })), ['underscore']);
        assert.deepEqual(names(await log.search({ subject: 'a\\b' })), ['underscore']);
        assert.deepEqual(names(await log.search({ subject: '%' })), ['percent']);
        assert.deepEqual(names(await log.search({ subject: '50' })), ['digits', 'percent']);
      });

      it('matches sender by address (ignoring case) or domain, and the null sender', async () => {
        assert.deepEqual(names(await log.search({ sender: 'promo@shop.EXAMPLE' })), ['percent']);
        assert.deepEqual(names(await log.search({ sender: 'shop.example' })), ['digits', 'percent']);
        assert.deepEqual(names(await log.search({ sender: '@SHOP.example' })), ['digits', 'percent']);
        assert.deepEqual(names(await log.search({ sender: '' })), ['bounce']);
        assert.deepEqual(names(await log.search({ sender: 'nobody@shop.example' })), []);
      });

      it('matches recipient by address or domain', async () => {
        assert.deepEqual(names(await log.search({ recipient: 'erin@other.example' })), ['bounce']);
        assert.deepEqual(names(await log.search({ recipient: 'corp.example' })), ['underscore', 'digits', 'percent']);
        assert.deepEqual(names(await log.search({ recipient: 'dave@corp.example' })), ['percent']);
      });

      it('matches queue id, Message-ID (with or without brackets), client IP, action and status', async () => {
        assert.deepEqual(names(await log.search({ queueId: ids['digits'] ?? '' })), ['digits']);
        assert.deepEqual(names(await log.search({ messageId: 'unique-id@x.example' })), ['underscore']);
        assert.deepEqual(names(await log.search({ messageId: '<unique-id@x.example>' })), ['underscore']);
        assert.deepEqual(names(await log.search({ clientIp: '198.51.100.7' })), ['percent']);
        assert.deepEqual(names(await log.search({ action: 'reject' })), ['underscore']);
        assert.deepEqual(names(await log.search({ status: 'rejected' })), ['underscore']);
      });

      it('matches a URL domain: the host itself and its subdomains, never a longer name ending the same', async () => {
        assert.deepEqual(names(await log.search({ urlDomain: 'shop.example' })), ['underscore', 'digits']);
        assert.deepEqual(names(await log.search({ urlDomain: 'TRACK.shop.example' })), ['digits']);
        assert.deepEqual(names(await log.search({ urlDomain: '*.evilshop.example' })), ['underscore']);
        assert.deepEqual(names(await log.search({ urlDomain: 'hop.example' })), []);
        assert.deepEqual(names(await log.search({ urlDomain: '192.0.2.44' })), ['digits']);
        assert.deepEqual((await log.get(ids['digits'] ?? ''))?.urls, ['https://track.shop.example/p?id=1', 'http://192.0.2.44/x']);
      });

      it('matches sha256 of the message or of any artifact', async () => {
        assert.deepEqual(names(await log.search({ sha256: 'D'.repeat(64) })), ['digits']);
        assert.deepEqual(names(await log.search({ sha256: 'e'.repeat(64) })), ['underscore']);
        assert.deepEqual(names(await log.search({ sha256: HASH_B })), ['bounce', 'underscore', 'digits', 'percent']);
        assert.deepEqual(names(await log.search({ sha256: 'f'.repeat(64) })), []);
      });

      it('matches an attachment name whole, ignoring case, alone or with other criteria', async () => {
        assert.deepEqual(names(await log.search({ attachmentName: 'INVOICE.PDF' })), ['bounce', 'underscore', 'digits', 'percent']);
        assert.deepEqual(names(await log.search({ attachmentName: ' invoice.pdf ' })), ['bounce', 'underscore', 'digits', 'percent'], 'surrounding spaces are not part of a name');
        assert.deepEqual(names(await log.search({ attachmentName: 'invoice' })), [], 'a part of a name is not the name');
        assert.deepEqual(names(await log.search({ attachmentName: 'invoice.pdf', sender: 'shop.example' })), ['digits', 'percent']);
        assert.deepEqual(names(await log.search({ attachmentName: 'invoice.pdf', recipient: 'corp.example', limit: 2 })), ['underscore', 'digits'], 'behind the recipient walk');
        assert.deepEqual(names(await log.search({ attachmentName: 'invoice.pdf', sha256: 'e'.repeat(64) })), ['underscore'], 'behind the hash walk');
        assert.deepEqual(names(await log.search({ attachmentName: 'other.pdf', recipient: 'corp.example' })), []);
      });

      it('bounds by time: since inclusive, until exclusive, and combines criteria', async () => {
        assert.deepEqual(names(await log.search({ since: new Date(T0 + 2000), until: new Date(T0 + 4000) })), ['underscore', 'digits']);
        assert.deepEqual(names(await log.search({ sender: 'shop.example', since: new Date(T0 + 1500) })), ['digits']);
      });

      it('refuses oversized terms and invalid dates', async () => {
        const invalid = (err: unknown): boolean => err instanceof MoatError && err.code === 'STORAGE_INVALID_QUERY';
        await assert.rejects(log.search({ subject: 'x'.repeat(2000) }), invalid);
        await assert.rejects(log.search({ since: new Date(Number.NaN) }), invalid);
      });
    });

    describe('search by a child-table criterion, newest first from its index (0012)', () => {
      const HASH_POP = '9'.repeat(64);
      /** What the test wrote, to state the expected answer independently of the SQL. */
      interface Written {
        readonly queueId: string;
        readonly at: number;
        readonly org: number;
        readonly action: Verdict['action'];
        readonly hashes: readonly string[];
        readonly recipients: readonly string[];
        readonly hosts: readonly string[];
      }
      let written: Written[] = [];
      let acme = 0;

      beforeEach(async () => {
        acme = (await storage.db.insertInto('organizations').values({ name: 'acme', created_at: now.toISOString() }).returning('id').executeTakeFirstOrThrow()).id;
        written = [];
        for (let i = 0; i < 60; i++) {
          // Three messages per millisecond: ties are broken by queue id.
          const at = T0 + Math.floor(i / 3);
          const rcptTo = i % 5 === 0 ? ['zed@quiet.example'] : i % 2 === 0 ? ['ann@busy.example', 'Bob@Busy.Example'] : ['Ann@Busy.example'];
          const urls = [
            ...(i % 2 === 0 ? ['https://pop.example/a', 'https://pop.example/b'] : ['https://other.example/']),
            ...(i % 3 === 0 ? ['https://www.pop.example/'] : []),
            ...(i % 5 === 0 ? ['https://mail.pop.example/x', 'https://pop.example.evil/'] : []),
          ];
          const base = makeEntry({
            at,
            rcptTo,
            urls,
            sha256: i % 7 === 0 ? HASH_POP : 'd'.repeat(64),
            artifactSha256: i % 3 === 0 ? HASH_POP : 'c'.repeat(64),
            action: i % 4 === 1 ? 'quarantine' : 'deliver',
          });
          // Every sixth message carries the popular hash twice (two matching artifact rows).
          const extra = i % 6 === 0 ? [{ path: '3', declaredType: 'text/plain', size: 1, sha256: HASH_POP }] : [];
          const entry = { ...base, analysis: { ...base.analysis, artifacts: [...base.analysis.artifacts, ...extra] }, organizationId: i % 4 === 0 ? acme : 1 };
          await log.recordMessage(entry);
          written.push({
            queueId: entry.queueId,
            at,
            org: entry.organizationId,
            action: entry.verdict.action,
            hashes: [entry.sha256, ...entry.analysis.artifacts.map((a) => a.sha256)],
            recipients: rcptTo.map((r) => r.toLowerCase()),
            hosts: urls.map((u) => new URL(u).hostname),
          });
        }
      });

      /** The newest `limit` of the written messages that satisfy `match`, ties by queue id descending. */
      function newest(match: (w: Written) => boolean, limit: number): string[] {
        return written
          .filter(match)
          .sort((a, b) => b.at - a.at || (a.queueId < b.queueId ? 1 : -1))
          .slice(0, limit)
          .map((w) => w.queueId);
      }
      const ids = (list: readonly { queueId: string }[]): string[] => list.map((m) => m.queueId);
      const hasHash = (w: Written): boolean => w.hashes.includes(HASH_POP);
      const toAnn = (w: Written): boolean => w.recipients.includes('ann@busy.example');
      const toBusy = (w: Written): boolean => w.recipients.some((r) => r.endsWith('@busy.example'));
      const linksPop = (w: Written): boolean => w.hosts.some((h) => h === 'pop.example' || h.endsWith('.pop.example'));

      it('returns exactly the newest `limit` matches, each message once, for a value with more matches than the limit', async () => {
        const cases: [MessageSearch, (w: Written) => boolean][] = [
          [{ sha256: HASH_POP.toUpperCase() }, hasHash],
          [{ recipient: 'ANN@busy.example' }, toAnn],
          [{ recipient: 'Busy.Example' }, toBusy],
          [{ urlDomain: 'pop.example' }, linksPop],
        ];
        for (const [search, match] of cases) {
          assert.ok(written.filter(match).length > 20, JSON.stringify(search));
          for (const limit of [1, 7, 20, 1000]) {
            const got = ids(await log.search({ ...search, limit }));
            assert.deepEqual(got, newest(match, limit), `${JSON.stringify(search)} limit ${String(limit)}`);
            assert.equal(new Set(got).size, got.length);
          }
        }
        // A message whose own hash and two artifacts all match is listed once (three matching rows, two indexes).
        const triple = written.find((w) => w.hashes.filter((h) => h === HASH_POP).length === 3);
        assert.ok(triple);
        assert.equal(ids(await log.search({ sha256: HASH_POP, limit: 1000 })).filter((id) => id === triple.queueId).length, 1);
      });

      it('combines with organization, a date range, action and the other child criteria', async () => {
        const since = new Date(T0 + 3);
        const until = new Date(T0 + 17);
        const inRange = (w: Written): boolean => w.at >= since.getTime() && w.at < until.getTime();
        const cases: [MessageSearch, (w: Written) => boolean][] = [
          [{ sha256: HASH_POP, organizationId: acme, since, until }, (w) => hasHash(w) && w.org === acme && inRange(w)],
          [{ recipient: 'busy.example', organizationId: 1, since }, (w) => toBusy(w) && w.org === 1 && w.at >= since.getTime()],
          [{ recipient: 'ann@busy.example', until, action: 'quarantine' }, (w) => toAnn(w) && w.at < until.getTime() && w.action === 'quarantine'],
          [{ urlDomain: 'pop.example', organizationId: acme, until }, (w) => linksPop(w) && w.org === acme && w.at < until.getTime()],
          [{ urlDomain: 'www.pop.example', action: 'deliver', since }, (w) => w.hosts.includes('www.pop.example') && w.action === 'deliver' && w.at >= since.getTime()],
          [{ sha256: HASH_POP, recipient: 'busy.example', urlDomain: 'pop.example' }, (w) => hasHash(w) && toBusy(w) && linksPop(w)],
          [{ recipient: 'quiet.example', urlDomain: 'mail.pop.example', organizationId: acme }, (w) => w.recipients.includes('zed@quiet.example') && w.hosts.includes('mail.pop.example') && w.org === acme],
          [{ sha256: HASH_POP, queueId: written[3]?.queueId ?? '' }, (w) => w.queueId === written[3]?.queueId],
          [{ urlDomain: 'pop.example', messageId: `<${String(T0 + 1)}@sender.example>` }, (w) => linksPop(w) && w.at === T0 + 1],
        ];
        for (const [search, match] of cases) {
          assert.ok(written.filter(match).length > 0, JSON.stringify(search));
          for (const limit of [2, 1000]) assert.deepEqual(ids(await log.search({ ...search, limit })), newest(match, limit), `${JSON.stringify(search)} limit ${String(limit)}`);
        }
        assert.deepEqual(await log.search({ sha256: HASH_POP, organizationId: 999 }), []);
        assert.deepEqual(await log.search({ urlDomain: 'pop.example', since: new Date(T0 + 60_000) }), []);
      });

      it('still answers a URL domain with more distinct hosts than it walks one by one', async () => {
        const wide: string[] = [];
        for (let i = 0; i < 45; i++) {
          const entry = makeEntry({ at: T0 + 100 + (i % 9), urls: [`https://h${String(i)}.wide.example/`, `https://h${String(i)}.wide.example/2`] });
          await log.recordMessage(entry);
          wide.push(entry.queueId);
        }
        // Five messages per millisecond: newest first by time, then by queue id.
        const byTime = (id: string): number => T0 + 100 + (wide.indexOf(id) % 9);
        const expected = [...wide].sort((a, b) => byTime(b) - byTime(a) || (a < b ? 1 : -1));
        assert.deepEqual(ids(await log.search({ urlDomain: 'wide.example', limit: 10 })), expected.slice(0, 10));
        assert.deepEqual(ids(await log.search({ urlDomain: 'wide.example', limit: 1000 })), expected);
      });

      it('stores received_at on every child row', async () => {
        for (const table of ['message_recipients', 'artifacts', 'message_urls'] as const) {
          const found = await sql<{ child: string | null; message: string }>`select c.received_at as child, m.received_at as message from ${sql.table(table)} as c join messages as m on m.queue_id = c.queue_id`.execute(storage.db);
          const rows = found.rows;
          assert.ok(rows.length > 60, table);
          assert.ok(
            rows.every((r) => r.child === r.message),
            table,
          );
        }
      });
    });

    describe('recordAttempt', () => {
      const attempt = (queueId: string, recipient: string, outcome: 'delivered' | 'deferred' | 'failed') => ({
        queueId,
        recipient,
        target: 'smtp:127.0.0.1:2525',
        outcome,
        reply: `${outcome} reply`,
        at: now.toISOString(),
        durationMs: 7,
      });

      it('keeps the message queued while a recipient is open, then marks it delivered', async () => {
        const entry = makeEntry({ rcptTo: ['a@corp.example', 'b@corp.example'] });
        await log.recordMessage(entry);
        await log.recordAttempt(attempt(entry.queueId, 'a@corp.example', 'delivered'));
        await log.recordAttempt(attempt(entry.queueId, 'b@corp.example', 'deferred'));
        let got = await log.get(entry.queueId);
        assert.equal(got?.status, 'queued');
        assert.deepEqual(
          got.recipients.map((r) => r.status),
          ['delivered', 'deferred'],
        );
        await log.recordAttempt(attempt(entry.queueId, 'b@corp.example', 'delivered'));
        got = await log.get(entry.queueId);
        assert.equal(got?.status, 'delivered');
        assert.deepEqual(
          got.attempts.map((a) => [a.recipient, a.outcome, a.durationMs]),
          [
            ['a@corp.example', 'delivered', 7],
            ['b@corp.example', 'deferred', 7],
            ['b@corp.example', 'delivered', 7],
          ],
        );
      });

      it('finalises once when every recipient outcome is recorded at the same time', async () => {
        const rcptTo = Array.from({ length: 8 }, (_, i) => `r${i}@corp.example`);
        const entry = makeEntry({ rcptTo });
        await log.recordMessage(entry);
        // On PostgreSQL these run on separate pooled connections; the message row lock serialises the final check.
        await Promise.all(rcptTo.map((r) => log.recordAttempt(attempt(entry.queueId, r, 'delivered'))));
        const got = await log.get(entry.queueId);
        assert.equal(got?.status, 'delivered');
        assert.equal(got.attempts.length, 8);
      });

      it('records a message once when the same entry is replayed concurrently', async () => {
        const entry = makeEntry({ rcptTo: ['a@corp.example', 'b@corp.example'] });
        await Promise.all([log.recordMessage(entry), log.recordMessage(entry), log.recordMessage(entry)]);
        const got = await log.get(entry.queueId);
        assert.deepEqual(got?.recipients.map((r) => r.recipient), ['a@corp.example', 'b@corp.example']);
        assert.equal(got.findings.length, entry.analysis.findings.length);
      });

      it('marks partially-delivered and bounced', async () => {
        const mixed = makeEntry({ at: T0 + 1, rcptTo: ['a@corp.example', 'b@corp.example'] });
        const failed = makeEntry({ at: T0 + 2, rcptTo: ['a@corp.example'] });
        await log.recordMessage(mixed);
        await log.recordMessage(failed);
        await log.recordAttempt(attempt(mixed.queueId, 'a@corp.example', 'failed'));
        await log.recordAttempt(attempt(mixed.queueId, 'b@corp.example', 'delivered'));
        await log.recordAttempt(attempt(failed.queueId, 'a@corp.example', 'failed'));
        assert.equal((await log.get(mixed.queueId))?.status, 'partially-delivered');
        assert.equal((await log.get(failed.queueId))?.status, 'bounced');
      });

      it('finalises a released message but leaves a quarantined or deleted one alone', async () => {
        const released = makeEntry({ at: T0 + 1, status: 'quarantined' });
        const held = makeEntry({ at: T0 + 2, status: 'quarantined' });
        await log.recordMessage(released);
        await log.recordMessage(held);
        await log.setStatus(released.queueId, 'released');
        await log.recordAttempt(attempt(released.queueId, 'bob@corp.example', 'delivered'));
        await log.recordAttempt(attempt(held.queueId, 'bob@corp.example', 'delivered'));
        assert.equal((await log.get(released.queueId))?.status, 'delivered');
        assert.equal((await log.get(held.queueId))?.status, 'quarantined');
      });

      it('records attempts for queued mail without a log row (DSNs) under organization 1', async () => {
        await log.recordAttempt(attempt('01JDSN00000000000000', 'alice@sender.example', 'delivered'));
        const rows = await storage.db.selectFrom('delivery_attempts').select(['queue_id', 'organization_id', 'outcome']).execute();
        assert.deepEqual(rows, [{ queue_id: '01JDSN00000000000000', organization_id: 1, outcome: 'delivered' }]);
      });
    });

    it('bounds hostile header sizes', async () => {
      const entry = makeEntry({ subject: 'S'.repeat(100_000) });
      await log.recordMessage(entry);
      const got = await log.get(entry.queueId);
      assert.ok(got?.subject !== undefined && got.subject.length <= 2048 && got.subject.endsWith('…'));
    });
  });
}
