/**
 * `moat demo` and `moat campaigns` as an operator runs them: a demo data
 * folder is seeded by the CLI, the hidden campaign is listed, reported as
 * text, CSV and a STIX 2.1 bundle written to a file, renamed and attributed
 * (audited as `cli:<user>`), and bad arguments are refused with usage (64).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../support/cli.js';
import { createAuditLog, openSqliteStorage } from '../../src/storage/index.js';

interface DemoJson {
  readonly configFile: string;
  readonly hidden?: { readonly campaignId: number; readonly precision: number; readonly recall: number };
}

describe('moat demo and moat campaigns', () => {
  let dir: string;
  let configFile: string;
  let campaignId: number;
  const moat = (...args: string[]) => runCliInProcess([...args, '--config', configFile], { USER: 'carol' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-campaigns-'));
    const seeded = await runCliInProcess(['demo', '--data-dir', dir, '--organizations', '80', '--seed', '7', '--json'], { USER: 'carol' });
    assert.equal(seeded.code, 0, seeded.stderr);
    const summary = JSON.parse(seeded.stdout) as DemoJson;
    assert.ok(summary.hidden !== undefined, 'the demo finds its hidden campaign');
    configFile = summary.configFile;
    campaignId = summary.hidden.campaignId;
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to seed the same data folder twice without --force', async () => {
    const again = await runCliInProcess(['demo', '--data-dir', dir, '--organizations', '80', '--seed', '7'], {});
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /DEMO_DATA_EXISTS|already/u);
  });

  it('lists the campaigns and reports the hidden one as text, CSV and STIX', async () => {
    const list = await moat('campaigns', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    // One JSON object per line, like the other list commands.
    const campaigns = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; organizations: number });
    const hidden = campaigns.find((c) => c.id === campaignId);
    assert.ok(hidden !== undefined, list.stdout);
    assert.equal(hidden.organizations, 40);

    const text = await moat('campaigns', 'report', String(campaignId));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /40 organizations/u);
    assert.match(text.stdout, /regions: Americas 55\.0% \(22\), EMEA 25\.0% \(10\), APAC 20\.0% \(8\)/u);

    const csvFile = join(dir, 'campaign.csv');
    const csv = await moat('campaigns', 'report', String(campaignId), '--format', 'csv', '--out', csvFile);
    assert.equal(csv.code, 0, csv.stderr);
    const csvText = await readFile(csvFile, 'utf8');
    assert.match(csvText, /ARCHIVE_NAME_SHELL_META/u);

    const stixFile = join(dir, 'campaign.stix.json');
    const stix = await moat('campaigns', 'report', String(campaignId), '--format', 'stix', '--out', stixFile);
    assert.equal(stix.code, 0, stix.stderr);
    const bundle = JSON.parse(await readFile(stixFile, 'utf8')) as { type: string; objects: Array<{ type: string; where_sighted_refs?: string[] }> };
    assert.equal(bundle.type, 'bundle');
    assert.equal(bundle.objects.filter((o) => o.type === 'campaign').length, 1);
    const sightedBy = new Set(bundle.objects.filter((o) => o.type === 'sighting').flatMap((o) => o.where_sighted_refs ?? []));
    assert.equal(sightedBy.size, 40, 'every organization hit is a sighting location');
  });

  it('renames and attributes the campaign, audited, and refuses bad arguments', async () => {
    assert.equal((await moat('campaigns', 'rename', String(campaignId), 'Tar member names, spring wave')).code, 0);
    assert.equal((await moat('campaigns', 'attribute', String(campaignId), 'UNC4841')).code, 0);
    const shown = await moat('campaigns', 'show', String(campaignId), '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /"name":"Tar member names, spring wave"/u);
    assert.match(shown.stdout, /"actor":"UNC4841"/u);

    const storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    try {
      const seen = (await createAuditLog(storage.db).list({ limit: 100 })).filter((e) => e.actorKind === 'cli').map((e) => `${e.actor} ${e.action} ${e.outcome}`);
      assert.equal(seen.filter((e) => e === 'cli:carol campaign.update ok').length, 2, seen.join('; '));
    } finally {
      await storage.close();
    }

    const bad = await moat('campaigns', 'report', 'not-a-number');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /not a campaign id/u);
    const format = await moat('campaigns', 'report', String(campaignId), '--format', 'pdf');
    assert.equal(format.code, 64);
    const missing = await moat('campaigns', 'rename', '999999', 'x');
    assert.notEqual(missing.code, 0);
  });
});
