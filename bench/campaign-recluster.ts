/**
 * Campaign reclustering over the 5-million-message PostgreSQL log of
 * `scale-fill.ts`: reads a window's suspicious messages and their related
 * clean ones, clusters them and saves the campaigns, as the gateway's timer
 * does, and reports time and heap per phase.
 *
 *   node dist/bench/campaign-recluster.js [--url postgres://...] [--days 90] [--reps 2]
 *
 * The window ends at the newest logged message (the fill's clock), not now.
 * Campaign tables of the bench database are written (as in production).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { createCampaignService } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import type { Database } from '../src/storage/index.js';
import { createMigrationProvider } from '../src/storage/migrations/index.js';
import { DEFAULT_PG_URL } from './scale-db.js';

const DAY_MS = 86_400_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, days: { type: 'string' }, reps: { type: 'string' } } });
  const url = values.url ?? DEFAULT_PG_URL;
  const days = Number(values.days ?? 90);
  const reps = Number(values.reps ?? 2);
  const pool = new pg.Pool({ connectionString: url, max: 2, statement_timeout: 600_000, application_name: 'moat-campaign-bench' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // The product migrates on open; a log filled by an older build gets the campaign columns here (timed: an upgrade's cost).
    const migrating = performance.now();
    const { error, results } = await new Migrator({ db, provider: createMigrationProvider(), allowUnorderedMigrations: true }).migrateToLatest();
    if (error !== undefined) throw new Error('migration failed', { cause: error });
    console.log(`migrations applied: ${(results ?? []).map((r) => r.migrationName).join(', ') || 'none'} in ${((performance.now() - migrating) / 1000).toFixed(1)} s`);
    const newest = await db.selectFrom('messages').select((eb) => eb.fn.max('received_at').as('at')).executeTakeFirst();
    if (newest?.at === undefined || newest.at === null) throw new Error(`${url}: the message log is empty; run bench/scale-fill.ts first`);
    const end = new Date(newest.at);
    const { config } = await loadConfig({ env: {}, cwd: process.cwd() });
    const logger = pino({ level: 'info' }, pino.destination(2));
    const service = createCampaignService({ db, logger, config, geo: () => Promise.reject(new Error('no GeoIP in this bench')), now: () => end });
    for (let rep = 1; rep <= reps; rep++) {
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      const sampler = setInterval(() => {
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }, 50);
      // What the gateway would feel: the longest stall of this event loop while the run reads, clusters and saves.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const started = performance.now();
      const summary = await service.recluster({ since: new Date(end.getTime() - days * DAY_MS), by: 'bench' });
      clearInterval(sampler);
      loop.disable();
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `rep ${rep}: ${days}-day window to ${end.toISOString()}: ${summary.messagesRead} messages read${summary.capped ? ' (capped)' : ''}, ` +
          `${summary.campaigns} campaigns, ${summary.members} members (${summary.created} created, ${summary.removed} removed) in ${seconds.toFixed(1)} s; ` +
          `read ${summary.phasesMs.read} ms, cluster ${summary.phasesMs.cluster} ms, save ${summary.phasesMs.save} ms; heap peak +${((heapPeak - heapBefore) / 2 ** 20).toFixed(0)} MiB; event loop stalled at most ${(loop.max / 1e6).toFixed(0)} ms (p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms)`,
      );
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
