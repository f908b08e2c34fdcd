/**
 * `moat` as an operator runs it: node bin/moat.js as a child process, its
 * exit codes (0, 1, 64 usage, 78 config), its output, and the admin
 * commands against a data folder a real gateway filled first.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { REPO_ROOT, runMoat } from '../support/cli.js';
import { createAuditLog, openSqliteStorage } from '../../src/storage/index.js';
import { startTestGateway, testOperatorConfig, writeOperatorConfig } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { assertReply, queueIdOf } from '../support/replies.js';
import { sendMessage } from '../support/smtp-client.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'mail');
const PATH_ONLY = { PATH: process.env['PATH'] ?? '' };

describe('moat CLI', () => {
  let dir: string;
  let configPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-'));
    configPath = await writeOperatorConfig(dir);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('check-config accepts a valid operator file', async () => {
    const run = await runMoat(['check-config', '--config', configPath]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^configuration is valid \(.*default\.yaml \+ .*moat\.yaml\)/);
  });

  it('check-config exits 78 and names the key of a broken operator file', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, stringify(testOperatorConfig(join(dir, 'data'), { smtp: { listen: { port: 'twenty-five' } } })));
    const run = await runMoat(['check-config', '--config', broken]);
    assert.equal(run.code, 78, run.stderr);
    assert.match(run.stderr, /smtp\.listen\.port/);
    assert.equal(run.stdout, '');
  });

  it('config print shows the effective config with secrets redacted', async () => {
    const withSecret = join(dir, 'secret.yaml');
    await writeFile(withSecret, stringify(testOperatorConfig(join(dir, 'data'), { smtp: { banner: '${env:MOAT_TEST_BANNER}' } })));
    const run = await runMoat(['config', 'print', '--config', withSecret], { env: { ...PATH_ONLY, MOAT_TEST_BANNER: 'hunter2-banner' } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes('hunter2'), 'an env-sourced value is never printed');
    const printed = JSON.parse(run.stdout) as { smtp: { banner: string }; node: { hostname: string }; dataDir: string };
    assert.equal(printed.smtp.banner, '[redacted]');
    assert.equal(printed.node.hostname, 'mx.test.moat', 'ordinary values are shown');
    assert.equal(printed.dataDir, join(dir, 'data'));
  });

  it('scan --json prints one object per file, in argument order', async () => {
    const files = ['attachment-pe.eml', 'plain-text.eml', 'double-extension.eml'].map((name) => join(FIXTURES, name));
    const run = await runMoat(['scan', '--json', '--config', configPath, ...files]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, files.length);
    const results = lines.map((line) => JSON.parse(line) as { file: string; action: string; score: number; findings: Array<{ symbol: string }>; artifacts: unknown[] });
    assert.deepEqual(results.map((r) => r.file), files);
    for (const result of results) {
      assert.equal(typeof result.action, 'string');
      assert.equal(typeof result.score, 'number');
      assert.ok(Array.isArray(result.findings) && Array.isArray(result.artifacts));
      assert.ok(result.artifacts.length > 0);
    }
    assert.equal(results[0]?.action, 'quarantine');
    assert.ok(results[0]?.findings.some((f) => f.symbol === 'FILETYPE_EXECUTABLE'));
    assert.equal(results[1]?.action, 'deliver');
    assert.deepEqual(results[1]?.findings, []);
  });

  it('scan of a missing file prints an error line and exits 1, after scanning the rest', async () => {
    const missing = join(dir, 'no-such.eml');
    const present = join(FIXTURES, 'plain-text.eml');
    const run = await runMoat(['scan', '--config', configPath, missing, present]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ERROR .*ENOENT`));
    assert.match(lines[1] ?? '', /plain-text\.eml: deliver \(score 0, 1 artifacts\)/);
  });

  it('exits 64 with usage on an unknown command or option', async () => {
    const unknown = await runMoat(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /^usage: moat <command>/);
    assert.equal(unknown.stdout, '');
    const badOption = await runMoat(['scan', '--frob']);
    assert.equal(badOption.code, 64);
    assert.match(badOption.stderr, /usage: moat <command>/);
  });
});

describe('moat quarantine and log against a gateway-filled data folder', () => {
  let dir: string;
  let configPath: string;
  let clean: string;
  let held: string[];
  const exeSha256 = createHash('sha256').update(tinyPe()).digest('hex');

  /** `moat ... --config <this data folder>`. */
  function moat(...args: string[]) {
    return runMoat([...args, '--config', configPath]);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-data-'));
    // Local Maildir delivery: the folder needs no next hop to come alive later.
    const gateway = await startTestGateway({}, dir);
    configPath = gateway.configPath;
    try {
      const cleanResult = await sendMessage(gateway.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body: plainMessage({ subject: 'cli clean note' }) });
      clean = queueIdOf(cleanResult.data);
      held = [];
      for (const subject of ['cli hold one', 'cli hold two']) {
        const body = messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), subject, to: 'carol@example.test' });
        const result = await sendMessage(gateway.smtpPort, { from: 'mallory@sender.example', to: ['carol@example.test'], body });
        assert.ok(result.data);
        assertReply(result.data, 250, '2.0.0');
        held.push(queueIdOf(result.data));
      }
    } finally {
      await gateway.stop();
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('log search finds messages by sender, subject and attachment hash', async () => {
    const bySender = await moat('log', 'search', '--sender', 'mallory@sender.example');
    assert.equal(bySender.code, 0, bySender.stderr);
    const senderLines = bySender.stdout.trimEnd().split('\n');
    assert.equal(senderLines.length, 2);
    for (const queueId of held) assert.ok(senderLines.some((l) => l.includes(`  ${queueId}  quarantine/quarantined  mallory@sender.example -> carol@example.test`)), bySender.stdout);

    const bySubject = await moat('log', 'search', '--subject', 'CLEAN NOTE', '--json');
    const rows = bySubject.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { queueId: string; subject: string });
    assert.deepEqual(rows.map((r) => r.queueId), [clean]);
    assert.equal(rows[0]?.subject, 'cli clean note');

    const byHash = await moat('log', 'search', '--hash', exeSha256, '--json');
    assert.deepEqual(byHash.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { queueId: string }).queueId).sort(), [...held].sort());

    // By attachment name, whole and ignoring case: the retro-hunt for a file name.
    const byName = await moat('log', 'search', '--attachment', 'SETUP.EXE', '--json');
    assert.deepEqual(byName.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { queueId: string }).queueId).sort(), [...held].sort());
    assert.equal((await moat('log', 'search', '--attachment', 'setup')).stdout.trim(), 'no messages match', 'a part of a name is not the name');

    const none = await moat('log', 'search', '--sender', 'nobody@nowhere.example');
    assert.equal(none.stdout.trim(), 'no messages match');
  });

  it('quarantine list, show, release and delete', async () => {
    const [one, two] = held as [string, string];
    const list = await moat('quarantine', 'list');
    assert.equal(list.code, 0, list.stderr);
    for (const queueId of held) assert.match(list.stdout, new RegExp(`^${queueId}  \\S+  \\d+B  .*FILETYPE_EXECUTABLE`, 'm'));

    const show = await moat('quarantine', 'show', one);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { quarantine: { queueId: string }; envelope: { rcptTo: string[] }; verdict: { action: string }; message: { subject: string } };
    assert.equal(shown.quarantine.queueId, one);
    assert.deepEqual(shown.envelope.rcptTo, ['carol@example.test']);
    assert.equal(shown.verdict.action, 'quarantine');
    assert.equal(shown.message.subject, 'cli hold one');

    const release = await moat('quarantine', 'release', one);
    assert.equal(release.code, 0, release.stderr);
    assert.equal(release.stdout.trim(), `released ${one} to carol@example.test`);
    const queued = await moat('queue', 'list');
    assert.match(queued.stdout, new RegExp(`^${one}  test-1  carol@example\\.test  attempts=0 `, 'm'), 'released mail waits in the queue for delivery (with the node that holds it)');

    const deleted = await moat('quarantine', 'delete', two);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), `deleted ${two}`);

    const empty = await moat('quarantine', 'list');
    assert.equal(empty.stdout.trim(), 'quarantine is empty');
    const unknown = await moat('quarantine', 'show', '00000000000000000000');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'no quarantined message 00000000000000000000\n');

    const statuses = await moat('log', 'search', '--sender', 'mallory@sender.example', '--json');
    const byId = new Map(statuses.stdout.trimEnd().split('\n').map((l) => {
      const row = JSON.parse(l) as { queueId: string; status: string };
      return [row.queueId, row.status] as const;
    }));
    assert.equal(byId.get(one), 'released');
    assert.equal(byId.get(two), 'deleted');

    // What the CLI changed is in the audit log, as the API's changes are, with the operator's name.
    const storage = await openSqliteStorage({ path: join(dir, 'data', 'moat.db') });
    try {
      const entries = await createAuditLog(storage.db).list({ limit: 100 });
      const seen = entries.filter((e) => e.actorKind === 'cli').map((e) => `${e.action} ${e.target ?? ''} ${e.outcome}`);
      assert.ok(seen.includes(`quarantine.release message:${one} ok`), seen.join('; '));
      assert.ok(seen.includes(`quarantine.delete message:${two} ok`), seen.join('; '));
    } finally {
      await storage.close();
    }
  });

  it('quarantine show of a deleted message says so and exits 1', async () => {
    const two = held[1] as string;
    const gone = await moat('quarantine', 'show', two);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, `no quarantined message ${two}\n`);
  });
});
