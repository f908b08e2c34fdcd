/**
 * Dashboard figures on both engines: hourly counts by action within the
 * window only, top findings counted once per message, top recipients, and
 * scoping to the organizations a caller may see.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Action, AnalysisResult, Envelope, Verdict } from '../../src/core/index.js';
import { createQueueId } from '../../src/core/index.js';
import { createMessageLog, readDashboard, syncOrganizations, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2026-11-26T08:00:00.000Z');
let seq = 0;

function entry(at: number, action: Action, organizationId: number, recipient: string, symbols: string[]) {
  const envelope: Envelope = { mailFrom: 'a@sender.example', rcptTo: [recipient], client: { address: '192.0.2.1', port: 1, helo: 'h.example' }, sessionId: 's', receivedAt: new Date(at).toISOString(), smtpUtf8: false };
  const analysis: AnalysisResult = {
    headers: { subject: 'x' },
    artifacts: [],
    // The same symbol twice in one message counts once.
    findings: symbols.flatMap((symbol) => [{ engine: 'test', symbol, score: 1, severity: 'low' as const, detail: 'a' }, { engine: 'test', symbol, score: 1, severity: 'low' as const, detail: 'b' }]),
    urls: [],
    elapsedMs: 1,
  };
  const verdict: Verdict = { action, score: 1, reasons: [], policyVersion: 'r0' };
  return { queueId: createQueueId(at, Buffer.from(String((seq += 1)).padStart(10, '0'))), envelope, size: 1, sha256: 'd'.repeat(64), analysis, verdict, status: 'delivered' as const, organizationId };
}

for (const engine of STORAGE_ENGINES) {
  describe(`dashboard figures (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let acme: number;
    let globex: number;

    before(async () => {
      storage = await engine.open('dashboard');
      const ids = await syncOrganizations(storage.db, ['acme', 'globex']);
      acme = ids.get('acme') as number;
      globex = ids.get('globex') as number;
      const log = createMessageLog(storage.db, 'node-a');
      const minutes = (m: number) => T0 + m * 60_000;
      for (const e of [
        entry(minutes(5), 'deliver', acme, 'bob@acme.test', ['SPF_PASS']),
        entry(minutes(10), 'quarantine', acme, 'bob@acme.test', ['FILETYPE_EXECUTABLE', 'SPF_PASS']),
        entry(minutes(70), 'deliver', acme, 'eve@acme.test', []),
        entry(minutes(75), 'reject', globex, 'carol@globex.test', ['CLAMAV_VIRUS']),
        entry(minutes(-30), 'deliver', acme, 'early@acme.test', ['SPF_PASS']),
        entry(minutes(200), 'deliver', acme, 'late@acme.test', ['SPF_PASS']),
      ]) {
        await log.recordMessage(e);
      }
    });

    after(async () => {
      await storage?.close();
    });

    const window = { since: new Date(T0), until: new Date(T0 + 2 * 3_600_000) };

    it('counts the window by hour and action, findings once per message, and recipients', async () => {
      const figures = await readDashboard(storage.db, { ...window, organizations: 'all' });
      assert.deepEqual(figures.hourly, [
        { hour: '2026-11-26T08', action: 'deliver', count: 1 },
        { hour: '2026-11-26T08', action: 'quarantine', count: 1 },
        { hour: '2026-11-26T09', action: 'deliver', count: 1 },
        { hour: '2026-11-26T09', action: 'reject', count: 1 },
      ]);
      assert.deepEqual(figures.totals, { deliver: 2, quarantine: 1, reject: 1 });
      assert.deepEqual(figures.topFindings, [
        { symbol: 'SPF_PASS', count: 2 },
        { symbol: 'CLAMAV_VIRUS', count: 1 },
        { symbol: 'FILETYPE_EXECUTABLE', count: 1 },
      ]);
      assert.deepEqual(figures.topRecipients[0], { recipient: 'bob@acme.test', count: 2 });
      assert.equal(figures.topRecipients.length, 3);
    });

    it('sees only the organizations it is given', async () => {
      const own = await readDashboard(storage.db, { ...window, organizations: [globex] });
      assert.deepEqual(own.totals, { reject: 1 });
      assert.deepEqual(own.topRecipients, [{ recipient: 'carol@globex.test', count: 1 }]);
      assert.deepEqual(own.queue, [], 'no installation queue figures for a scoped caller');
      assert.deepEqual((await readDashboard(storage.db, { ...window, organizations: [] })).totals, {});
    });
  });
}
