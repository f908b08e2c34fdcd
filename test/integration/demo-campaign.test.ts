/**
 * The demo's hidden campaign is found again: seeded into a temporary SQLite
 * database through the message-log writer, reclustered by the campaign
 * service, matched against the generator's ground truth (3 seeds).
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createSeededRandom, generateDemoDataSet, runDemo } from '../../src/app/index.js';
import { loadConfig, type MoatConfig } from '../../src/config/index.js';
import { dropSchema, postgresUnavailableReason, POSTGRES_DATABASE, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, uniqueSchemaName } from '../support/storage-engines.js';

const NOW = new Date('2026-11-26T12:00:00Z');

describe('demo: the hidden campaign is recovered', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: precision >= 0.95, recall >= 0.9, exact regions, organizations and countries`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'moat-demo-'));
      try {
        const { config } = await loadConfig({ env: {}, cwd: dir });
        const data = generateDemoDataSet({ random: createSeededRandom(seed), organizations: 100, now: NOW });
        const summary = await runDemo({ config: { ...config, dataDir: dir }, logger: pino({ level: 'silent' }), seed, organizations: 100, data, now: NOW });
        const hidden = summary.hidden;
        assert.ok(hidden !== undefined, 'a campaign holds hidden members');
        console.log(`seed ${seed}: ${summary.messages} messages, ${summary.campaigns} campaigns; hidden #${hidden.campaignId}: ${hidden.found}/${data.truth.campaignQueueIds.length} found, ${hidden.members} members, precision ${hidden.precision.toFixed(3)}, recall ${hidden.recall.toFixed(3)}, stray max ${hidden.strayMax}`);
        assert.ok(hidden.precision >= 0.95, `precision ${hidden.precision}`);
        assert.ok(hidden.recall >= 0.9, `recall ${hidden.recall}`);
        // No other campaign holds more than a few members; the noise campaigns did not absorb it.
        assert.ok(hidden.strayMax <= 3, `another campaign holds ${hidden.strayMax}`);
        const report = hidden.report;
        assert.ok(report !== undefined);
        assert.equal(report.totals.organizations, data.truth.organizations);
        assert.equal(report.totals.countries, data.truth.countries);
        assert.equal(report.unknownCountryOrganizations, 0);
        const known = data.truth.organizations;
        const shares = Object.fromEntries(report.regions.map((r) => [r.region, r.share]));
        for (const [region, count] of Object.entries(data.truth.regionOrganizations)) assert.equal(shares[region], count / known, region);
        assert.deepEqual(shares, { Americas: 22 / 40, EMEA: 10 / 40, APAC: 8 / 40 });
        // The spike is among the peaks, and the outcome split is the generator's.
        for (const day of data.truth.spikeDays) assert.ok(report.timeline.peaks.some((p) => p.day === day), day);
        if (hidden.precision === 1 && hidden.recall === 1) {
          assert.equal(report.totals.delivered, data.truth.delivered);
          assert.equal(report.totals.blocked, data.truth.blocked);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('PostgreSQL: the same recovery, and a forced re-seed adds nothing (idempotent by queue id)', async (t) => {
    const reason = await postgresUnavailableReason();
    if (reason !== undefined) {
      t.skip(reason);
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'moat-demo-'));
    const schema = uniqueSchemaName('demo');
    try {
      const { config } = await loadConfig({ env: {}, cwd: dir });
      const pgConfig: MoatConfig = {
        ...config,
        dataDir: dir,
        storage: { ...config.storage, backend: 'postgres', postgres: { ...config.storage.postgres, url: `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DATABASE}`, schema } },
      };
      const data = generateDemoDataSet({ random: createSeededRandom(4), organizations: 80, now: NOW });
      const options = { config: pgConfig, logger: pino({ level: 'silent' }), seed: 4, organizations: 80, data, now: NOW };
      const first = await runDemo(options);
      const hidden = first.hidden;
      assert.ok(hidden !== undefined);
      console.log(`postgres seed 4: ${first.messages} messages, ${first.campaigns} campaigns; precision ${hidden.precision.toFixed(3)}, recall ${hidden.recall.toFixed(3)}, seed ${Math.round(first.seedMs)} ms`);
      assert.ok(hidden.precision >= 0.95 && hidden.recall >= 0.9);
      assert.deepEqual(Object.fromEntries(hidden.report?.regions.map((r) => [r.region, r.share]) ?? []), { Americas: 22 / 40, EMEA: 10 / 40, APAC: 8 / 40 });
      await assert.rejects(runDemo(options), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'DEMO_DATA_EXISTS');
      const again = await runDemo({ ...options, force: true });
      assert.equal(again.hidden?.members, hidden.members, 'a forced re-seed of the same data adds no members');
      assert.equal(again.hidden?.found, hidden.found);
    } finally {
      await dropSchema(schema).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to seed a database that already holds mail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-demo-'));
    try {
      const { config } = await loadConfig({ env: {}, cwd: dir });
      const data = generateDemoDataSet({ random: createSeededRandom(9), organizations: 80, now: NOW });
      const options = { config: { ...config, dataDir: dir }, logger: pino({ level: 'silent' }), seed: 9, organizations: 80, data, now: NOW };
      await runDemo(options);
      await assert.rejects(runDemo(options), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'DEMO_DATA_EXISTS');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
