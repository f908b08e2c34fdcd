/**
 * Leases of periodic cluster jobs (migration 0019) on both engines: of two
 * nodes claiming together exactly one wins; a job that ran is not due again
 * until `dueBefore` passes its last run; a lease held by a dead node lapses.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createJobLeases } from '../../src/storage/index.js';
import type { JobLeases, Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const JOB = 'campaigns.recluster';

for (const engine of STORAGE_ENGINES) {
  describe(`job leases (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let leases: JobLeases;

    beforeEach(async () => {
      storage = await engine.open('job_leases');
      leases = createJobLeases(storage.db);
    });
    afterEach(async () => {
      await storage.close();
    });

    it('gives a due job to exactly one of two nodes, then to nobody until it is due again', async () => {
      const claim = { now: at(0), until: at(360), dueBefore: at(-240) };
      const [a, b] = await Promise.all([leases.claim(JOB, 'node-a', claim), leases.claim(JOB, 'node-b', claim)]);
      assert.equal([a, b].filter(Boolean).length, 1, 'exactly one node runs the job');
      const winner = a ? 'node-a' : 'node-b';
      const loser = a ? 'node-b' : 'node-a';
      assert.equal(await leases.claim(JOB, loser, { now: at(10), until: at(370), dueBefore: at(-230) }), false, 'held by the winner');
      await leases.finish(JOB, loser, at(20));
      assert.equal(await leases.claim(JOB, loser, { now: at(21), until: at(380) }), false, 'a node that does not hold the lease cannot free it');
      await leases.finish(JOB, winner, at(30));
      // The other node's timer fires 100 s later: the job ran at 30 s, it is due only when the last run is before dueBefore.
      assert.equal(await leases.claim(JOB, loser, { now: at(130), until: at(490), dueBefore: at(-110) }), false, 'ran this interval');
      assert.equal(await leases.claim(JOB, loser, { now: at(300), until: at(660), dueBefore: at(60) }), true, 'due again');
    });

    it('lets another node take a lease its holder never freed once it lapses', async () => {
      assert.equal(await leases.claim(JOB, 'node-a', { now: at(0), until: at(100) }), true);
      assert.equal(await leases.claim(JOB, 'node-b', { now: at(99), until: at(200) }), false);
      assert.equal(await leases.claim(JOB, 'node-b', { now: at(100), until: at(200) }), true, 'lapsed at its until');
      assert.equal(await leases.claim('other-job', 'node-a', { now: at(100), until: at(200) }), true, 'jobs are independent');
    });
  });
}
