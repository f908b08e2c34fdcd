import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIndicatorsStore } from '../../src/storage/index.js';
import type { IndicatorInput, IndicatorsStore, Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const iso = (seconds: number): string => at(seconds).toISOString();

const domain = (value: string, more: Partial<IndicatorInput> = {}): IndicatorInput => ({ type: 'domain', value, source: 'analyst', confidence: 80, severity: 'high', ...more });

for (const engine of STORAGE_ENGINES) {
  describe(`indicator storage (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let store: IndicatorsStore;

    beforeEach(async () => {
      storage = await engine.open('indicators');
      store = createIndicatorsStore(storage.db);
    });
    afterEach(async () => {
      await storage.close();
    });

    it('adds, then updates an existing (type, value, source) keeping first seen and creation, and bumps the generation each time', async () => {
      const g0 = await store.generation();
      const first = await store.upsert([domain('evil.example', { description: 'phish kit', actor: 'APT-X' }), domain('bad.example')], { by: 'ana', at: at(0) });
      assert.deepEqual({ added: first.added, updated: first.updated }, { added: 2, updated: 0 });
      assert.ok(first.generation > g0);
      const second = await store.upsert([domain('evil.example', { severity: 'critical', confidence: 95, expiresAt: T0 + 86_400_000 }), domain('evil.example', { source: 'feed' })], { by: 'bob', at: at(60) });
      assert.deepEqual({ added: second.added, updated: second.updated }, { added: 1, updated: 1 }, 'another source is another row');
      assert.ok(second.generation > first.generation);
      assert.equal(await store.generation(), second.generation);
      assert.equal(await store.count(), 3);
      const [row] = await store.list({ search: 'evil', source: 'analyst' });
      assert.deepEqual(row, {
        id: row?.id,
        type: 'domain',
        value: 'evil.example',
        source: 'analyst',
        confidence: 95,
        severity: 'critical',
        description: 'phish kit',
        actor: 'APT-X',
        firstSeen: iso(0),
        lastSeen: iso(60),
        expiresAt: new Date(T0 + 86_400_000).toISOString(),
        createdAt: iso(0),
        createdBy: 'ana',
        updatedAt: iso(60),
      });
    });

    it('stores a 2,048-character URL and a long Unicode subject (the key is a hash, not the value)', async () => {
      const url = `https://x.example/${'a1b2c3d4'.repeat(253)}`;
      const subject = Array.from({ length: 2048 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('');
      const result = await store.upsert([{ type: 'url', value: url, source: 's', confidence: 50, severity: 'medium' }, { type: 'subject', value: subject, source: 's', confidence: 50, severity: 'medium' }], { by: 'ana', at: at(0) });
      assert.equal(result.added, 2);
      assert.deepEqual((await store.list({ type: 'subject' })).map((r) => r.value), [subject]);
    });

    it('stores a big batch in one transaction, and stores nothing when one row is invalid', async () => {
      const many = Array.from({ length: 1234 }, (_, i) => domain(`d${i}.example`));
      assert.equal((await store.upsert(many, { by: 'feed', at: at(0) })).added, 1234);
      const g = await store.generation();
      await assert.rejects(store.upsert([domain('ok.example'), domain('x', { confidence: 101 })], { by: 'feed', at: at(1) }), { code: 'INDICATOR_INVALID' });
      assert.equal(await store.count(), 1234, 'nothing half-stored');
      assert.equal(await store.generation(), g, 'no change, no new generation');
    });

    it('lists newest first with filters and paging, and active() leaves expired ones out', async () => {
      await store.upsert([domain('a.example'), { type: 'sha256', value: 'a'.repeat(64), source: 'feed', confidence: 70, severity: 'high', description: 'Dropper' }], { by: 'ana', at: at(0) });
      await store.upsert([domain('b.example', { expiresAt: T0 + 30_000 })], { by: 'ana', at: at(1) });
      const all = await store.list();
      assert.deepEqual(all.map((r) => r.value), ['b.example', 'a'.repeat(64), 'a.example']);
      assert.deepEqual((await store.list({ limit: 1, beforeId: all[0]?.id ?? 0 })).map((r) => r.value), ['a'.repeat(64)]);
      assert.deepEqual((await store.list({ type: 'sha256' })).map((r) => r.source), ['feed']);
      assert.deepEqual((await store.list({ search: 'DROP' })).map((r) => r.type), ['sha256'], 'search reaches the description, any case');
      assert.deepEqual((await store.list({ search: '_' })).length, 0, 'LIKE wildcards match literally');
      assert.deepEqual((await store.list({ active: true, at: at(60) })).map((r) => r.value), ['a'.repeat(64), 'a.example']);
      assert.deepEqual((await store.list({ active: false, at: at(60) })).map((r) => r.value), ['b.example']);
      assert.deepEqual((await store.active(at(10))).map((r) => r.value), ['a.example', 'a'.repeat(64), 'b.example']);
      assert.deepEqual((await store.active(at(60))).map((r) => r.value), ['a.example', 'a'.repeat(64)]);
    });

    it('expires an indicator (the row stays), keeps an earlier expiry, and revives it when re-added', async () => {
      await store.upsert([domain('evil.example')], { by: 'ana', at: at(0) });
      const [row] = await store.list();
      assert.ok(row);
      const g = await store.generation();
      assert.equal(await store.expire(row.id, at(10)), true);
      assert.ok((await store.generation()) > g);
      assert.equal((await store.get(row.id))?.expiresAt, iso(10));
      assert.equal(await store.expire(row.id, at(20)), true, 'already retired: still there');
      assert.equal((await store.get(row.id))?.expiresAt, iso(10), 'the first expiry stands');
      assert.equal(await store.expire(row.id + 1000, at(20)), false);
      assert.deepEqual(await store.active(at(30)), []);
      assert.equal(await store.count(), 1);
      await store.upsert([domain('evil.example')], { by: 'ana', at: at(40) });
      assert.deepEqual((await store.active(at(50))).map((r) => r.id), [row.id], 're-added: active again, same row');
    });
  });
}
