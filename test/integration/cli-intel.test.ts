/**
 * `moat intel` against a data folder: a STIX 2.1 bundle modelled on the
 * UNC4841 advisory is imported (counts and every problem printed), listed
 * with its attribution, expired (audited); garbage is refused with exit 65
 * and stores nothing; MISP events and plain lists import through the same
 * command; and a gateway started on that folder afterwards flags
 * a message carrying the bundle's hashed attachment.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { REPO_ROOT, runCliInProcess } from '../support/cli.js';
import { startTestGateway, writeOperatorConfig } from '../support/gateway.js';
import { createAuditLog, openSqliteStorage } from '../../src/storage/index.js';
import { messageWithAttachment, tinyPe } from '../support/messages.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

const BUNDLE = join(REPO_ROOT, 'test', 'fixtures', 'stix', 'unc4841.json');
const PE_SHA256 = createHash('sha256').update(tinyPe()).digest('hex');
const CAMPAIGN = 'Barracuda ESG exploitation (CVE-2023-2868)';

interface Row {
  id: number;
  type: string;
  value: string;
  source: string;
  actor?: string;
  campaign?: string;
  firstSeen: string;
  expiresAt?: string;
  active: boolean;
  createdBy: string;
}

describe('moat intel', () => {
  let dir: string;
  let configPath: string;

  const moat = (...args: string[]) => runCliInProcess([...args, '--config', configPath], { USER: 'alice' });
  const list = async (...args: string[]): Promise<Row[]> => {
    const run = await moat('intel', 'list', '--json', '--limit', '1000', ...args);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout.trimEnd() === '' ? [] : run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Row);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-intel-'));
    configPath = await writeOperatorConfig(dir, { intel: { refreshSeconds: 1 } });
    assert.ok((await readFile(BUNDLE, 'utf8')).includes(PE_SHA256), 'the fixture carries the sha256 of tinyPe()');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses garbage with exit 65 and stores nothing', async () => {
    const garbage = join(dir, 'garbage.json');
    await writeFile(garbage, '{"type": "bundle", "objects": [');
    const broken = await moat('intel', 'import', garbage);
    assert.equal(broken.code, 65, broken.stderr);
    assert.match(broken.stderr, /garbage\.json is not valid JSON/);

    const nothing = join(dir, 'nothing.json');
    await writeFile(nothing, JSON.stringify({ type: 'bundle', objects: [{ type: 'indicator', id: 'indicator--1', pattern_type: 'stix', pattern: "[process:name = 'x']" }] }));
    const unusable = await moat('intel', 'import', nothing);
    assert.equal(unusable.code, 65);
    assert.match(unusable.stderr, /indicator--1: object path is not supported; not loaded: process:name = 'x'/);
    assert.match(unusable.stderr, /no usable indicator; nothing imported/);

    const text = join(dir, 'feed.xml');
    await writeFile(text, '<feed/>\n');
    const unknown = await moat('intel', 'import', text);
    assert.equal(unknown.code, 65);
    assert.match(unknown.stderr, /unknown format "\.xml"; use \.json for a STIX 2\.1 bundle or MISP events, \.csv for the indicator CSV, or \.txt\/\.list/);

    // A streamed bundle broken in the middle: where, how far it was read, nothing stored.
    const cut = join(dir, 'cut.json');
    await writeFile(cut, '{"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "pattern": "[domain-name:value = \'a.example\']"}, {"type": ]}');
    const broken2 = await moat('intel', 'import', cut);
    assert.equal(broken2.code, 65);
    assert.match(broken2.stderr, /cut\.json is not valid JSON: malformed JSON at byte 148: objects\[1\] is not valid JSON .*\(1 object\(s\) read before it; nothing imported\)/);

    assert.deepEqual(await list(), []);
  });

  it('imports the STIX bundle: counts, context and every problem by object id; a second import updates', async () => {
    const run = await moat('intel', 'import', BUNDLE, '--source', 'cert-advisory');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /unc4841\.json: 11 added, 0 updated, 4 problem\(s\)/);
    assert.match(run.stdout, /actors \[UNC4841\], campaigns \[Barracuda ESG exploitation \(CVE-2023-2868\)\], malware \[SALTWATER\], 4 relationship\(s\) used/);
    const problems = run.stderr.trimEnd().split('\n');
    assert.equal(problems.length, 4, run.stderr);
    assert.equal(problems.filter((l) => l.includes('indicator--a1b2c3d4-0005-4e5f-8a9b-0c1d2e3f4a05: ')).length, 3);
    assert.ok(problems.some((l) => l.includes('indicator--a1b2c3d4-0006-4e5f-8a9b-0c1d2e3f4a06: pattern_type "snort" is not supported')));

    const again = await moat('intel', 'import', BUNDLE, '--source', 'cert-advisory', '--json');
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout) as { added: number; updated: number; format: string; problems: unknown[] };
    assert.deepEqual([summary.format, summary.added, summary.updated, summary.problems.length], ['stix', 0, 11, 4]);
  });

  it('imports an indicator CSV through the same path, naming bad lines by number', async () => {
    const csv = join(dir, 'feed.csv');
    await writeFile(csv, 'type,value,source,confidence,severity,expires,description\ndomain,csv-feed.example,,60,medium,,from a CSV\nsha256,not-a-hash,,,,,\n');
    const run = await moat('intel', 'import', csv);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /feed\.csv: 1 added, 0 updated, 1 problem\(s\)/);
    assert.match(run.stderr, /feed\.csv: line 3: /);
    const rows = await list('--source', 'feed.csv');
    assert.deepEqual(rows.map((r) => r.value), ['csv-feed.example']);
    const expired = await moat('intel', 'expire', String(rows[0]?.id));
    assert.equal(expired.code, 0, expired.stderr);
  });

  it('lists with attribution and first seen, filtered by type, source and activity', async () => {
    const rows = await list('--source', 'cert-advisory');
    assert.equal(rows.length, 11);
    const pe = rows.find((r) => r.type === 'sha256');
    assert.equal(pe?.value, PE_SHA256);
    assert.equal(pe?.actor, 'UNC4841');
    assert.equal(pe?.campaign, CAMPAIGN);
    assert.equal(pe?.firstSeen, '2022-10-10T00:00:00.000Z');
    assert.equal(pe?.source, 'cert-advisory');
    assert.equal(pe?.createdBy, 'cli:alice');
    assert.equal(rows.find((r) => r.type === 'filename')?.value, 'install_helo.tar');
    assert.deepEqual((await list('--type', 'ipv4')).map((r) => r.value).sort(), ['198.51.100.0/24', '203.0.113.17']);
    assert.deepEqual(await list('--source', 'elsewhere'), []);
    const human = await moat('intel', 'list', '--type', 'sha256');
    assert.match(human.stdout, new RegExp(`  sha256  ${PE_SHA256}  cert-advisory  c90  high  active  UNC4841  Barracuda`));
  });

  it('expires an indicator, audited; an unknown id exits 1 and is audited as failed', async () => {
    const target = (await list('--type', 'ipv4')).find((r) => r.value === '203.0.113.17');
    assert.ok(target);
    const run = await moat('intel', 'expire', String(target.id));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `indicator ${String(target.id)} expired\n`);
    assert.deepEqual((await list('--type', 'ipv4', '--active')).map((r) => r.value), ['198.51.100.0/24']);
    assert.equal((await list('--type', 'ipv4')).find((r) => r.id === target.id)?.active, false);

    const missing = await moat('intel', 'expire', '999999');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /INDICATOR_NOT_FOUND: no indicator 999999/);

    const storage = await openSqliteStorage({ path: join(dir, 'data', 'moat.db') });
    try {
      const entries = await createAuditLog(storage.db).list({ limit: 100 });
      const seen = entries.filter((e) => e.actorKind === 'cli').map((e) => `${e.actor} ${e.action} ${e.target ?? ''} ${e.outcome}`);
      assert.equal(seen.filter((e) => e === `cli:alice indicator.import file:${BUNDLE} ok`).length, 2, seen.join('; '));
      assert.ok(seen.includes(`cli:alice indicator.expire indicator:${String(target.id)} ok`), seen.join('; '));
      assert.ok(seen.includes('cli:alice indicator.expire indicator:999999 failed'), seen.join('; '));
      assert.ok(!seen.some((e) => e.includes('garbage') || e.includes('nothing.json')), 'a refused file changes nothing and records nothing');
    } finally {
      await storage.close();
    }
  });

  it('imports MISP events (.json, told from STIX by its content): context-only and deleted attributes counted, unsupported ones listed', async () => {
    const misp = join(dir, 'misp-event.json');
    await writeFile(
      misp,
      JSON.stringify({
        response: [
          {
            Event: {
              uuid: 'e0000000-0000-4000-8000-000000000001',
              info: 'Lure wave',
              threat_level_id: '2',
              Tag: [{ name: 'misp-galaxy:threat-actor="APT-M"' }],
              Attribute: [
                { uuid: 'a1', type: 'domain', value: 'misp-lure.example', to_ids: true, timestamp: '1700000000' },
                { uuid: 'a2', type: 'ip-dst|port', value: '192.0.2.77|8443', to_ids: true, timestamp: '1700000000' },
                { uuid: 'a3', type: 'email-dst', value: 'victim@example.test', to_ids: true },
                { uuid: 'a4', type: 'domain', value: 'benign.example', to_ids: false },
                { uuid: 'a5', type: 'domain', value: 'withdrawn.example', to_ids: true, deleted: true },
                { uuid: 'a6', type: 'mutex', value: 'Global\\x', to_ids: true },
              ],
            },
          },
        ],
      }),
    );
    const run = await moat('intel', 'import', misp, '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { format: string; added: number; counts: unknown; problems: { object?: string; reason: string }[] };
    assert.deepEqual([summary.format, summary.added, summary.counts], ['misp', 2, { contextOnly: 1, deleted: 1 }]);
    assert.deepEqual(
      summary.problems.map((p) => `${p.object ?? '-'} ${p.reason}`),
      ['- 1 attribute(s) are context only (to_ids false); not loaded', 'a3 type email-dst not supported (a recipient (the victim), not an indicator); skipped', 'a6 type mutex not supported; skipped'],
    );
    const rows = await list('--source', 'misp-event.json');
    assert.deepEqual(rows.map((r) => `${r.type} ${r.value} ${r.actor ?? ''} ${r.campaign ?? ''}`).sort(), ['domain misp-lure.example APT-M Lure wave', 'ipv4 192.0.2.77 APT-M Lure wave']);
    assert.equal(rows[0]?.firstSeen, '2023-11-14T22:13:20.000Z');
  });

  it('imports a plain list (.txt, .list), the type inferred or set by --type', async () => {
    const inferred = join(dir, 'blocklist.txt');
    await writeFile(inferred, '# seen in lures\nlist-lure.example\n203.0.113.99 # scanner\nnot a value\n');
    const run = await moat('intel', 'import', inferred);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /blocklist\.txt: 2 added, 0 updated, 1 problem\(s\)/);
    assert.match(run.stderr, /blocklist\.txt: line 4: cannot infer the indicator type/);

    const subjects = join(dir, 'subjects.list');
    await writeFile(subjects, 'Invoice #4411 overdue\nYour   mailbox is full\n');
    const typed = await moat('intel', 'import', subjects, '--type', 'subject');
    assert.equal(typed.code, 0, typed.stderr);
    assert.deepEqual((await list('--source', 'subjects.list')).map((r) => `${r.type} ${r.value}`).sort(), ['subject invoice #4411 overdue', 'subject your mailbox is full']);
    const wrong = await moat('intel', 'import', subjects, '--type', 'mutex');
    assert.equal(wrong.code, 65);
    assert.match(wrong.stderr, /unknown indicator type "mutex"/);
  });

  it('a gateway started on the data folder flags the bundle’s hashed attachment', async () => {
    const gateway = await startTestGateway({ intel: { refreshSeconds: 1 }, domains: [{ name: 'example.test', recipients: 'any' }] }, dir);
    try {
      const body = messageWithAttachment({ filename: 'invoice.exe', content: tinyPe(), to: 'bob@example.test', subject: 'invoice' });
      const result = await sendMessage(gateway.smtpPort, { from: 'billing@sender.example', to: ['bob@example.test'], body });
      const queueId = /(?:queued as|queue id) ([0-9A-Z]{20})/.exec(result.data?.text ?? '')?.[1];
      assert.ok(queueId, result.data?.text);
      const admin = await openAdminServices(gateway.config);
      try {
        const detail = await waitUntil(() => admin.messageLog.get(queueId), 10_000, `message ${queueId} logged`);
        const ioc = detail.findings.filter((f) => f.engine === 'ioc');
        assert.ok(ioc.some((f) => f.symbol === 'IOC_HASH_MATCH'), JSON.stringify(ioc));
      } finally {
        await admin.close();
      }
    } finally {
      await gateway.stop();
    }
  });
});
