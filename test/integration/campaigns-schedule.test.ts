/**
 * Scheduled reclustering in a cluster: two nodes' campaign services on one
 * database, timers every second, recluster once per interval between them
 * (the job lease of migration 0019), not once per node.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createCampaignService } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { openSqliteStorage } from '../../src/storage/index.js';
import { waitUntil } from '../support/wait.js';

describe('scheduled reclustering on two nodes', () => {
  it('runs once per interval between the nodes, whichever timer fires first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-campaign-schedule-'));
    const storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    try {
      const { config } = await loadConfig({ env: {}, cwd: dir });
      const runs: string[] = [];
      const serviceOf = (node: string) => {
        const logger = pino({ level: 'info' }, { write: (line: string) => void (line.includes('"campaigns reclustered"') && runs.push(node)) });
        return createCampaignService({ db: storage.db, logger, geo: () => Promise.reject(new Error('no GeoIP here')), config: { ...config, node: { ...config.node, id: node }, campaigns: { ...config.campaigns, intervalSeconds: 1 } } });
      };
      const a = serviceOf('node-a');
      const b = serviceOf('node-b');
      const started = Date.now();
      a.start();
      b.start();
      await waitUntil(async () => (runs.length >= 3 ? true : undefined), 15_000, 'three scheduled runs');
      await Promise.all([a.stop(), b.stop()]);
      const ticks = Math.floor((Date.now() - started) / 1000);
      // Without the lease each node would run at each of its ticks: about twice as many runs as ticks.
      assert.ok(runs.length <= ticks, `${runs.length} runs in ${ticks} ticks of each node: ${runs.join(', ')}`);
    } finally {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
