/**
 * LINK_NEW_DOMAIN over the real domain sightings table (SQLite and PostgreSQL): silent until
 * the installation has watched mail for the window, then flags linked sites
 * first seen within it, never the installation's own domains.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNewDomainCheck } from '../../src/app/new-domains.js';
import { createSeenDomains, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');

for (const engine of STORAGE_ENGINES) {
  describe(`newly seen domains (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;

    before(async () => {
      storage = await engine.open('seen');
      const seen = (domain: string, at: number) => ({ domain, first_seen: new Date(at).toISOString(), last_seen: new Date(at).toISOString(), messages: 1 });
      await storage.db.insertInto('seen_domains').values([seen('oldbank.example', T0), seen('young.example', T0 + 20 * DAY)]).execute();
    });

    after(async () => {
      await storage.close();
    });

    const checkAt = (at: number) => createNewDomainCheck({ seen: createSeenDomains(storage.db), windowDays: 7, own: new Set(['example.test']), now: () => at });

    it('says nothing while the installation has watched mail for less than the window', async () => {
      assert.deepEqual(await checkAt(T0 + 3 * DAY).check(['never-seen.example']), []);
    });

    it('flags sites first seen within the window, or never, and not old or own ones', async () => {
      const check = checkAt(T0 + 22 * DAY);
      const [finding, ...rest] = await check.check(['oldbank.example', 'young.example', 'never-seen.example', 'example.test']);
      assert.deepEqual(rest, []);
      assert.equal(finding?.symbol, 'LINK_NEW_DOMAIN');
      assert.equal(finding?.engine, 'links');
      assert.match(finding?.detail ?? '', /^links to young\.example, never-seen\.example, first seen in mail less than 7 days ago$/);
      assert.deepEqual(await check.check(['oldbank.example', 'example.test']), []);
      assert.deepEqual(await checkAt(T0 + 40 * DAY).check(['young.example']), []);
    });
  });
}
