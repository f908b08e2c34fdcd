import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileImplantTriggerPack, loadImplantTriggerPack, shippedImplantTriggerPack } from './implant-triggers.js';

const trigger = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'test-trigger',
  pattern: 'obt075',
  family: 'SEASPRAY',
  reference: 'THREAT.md',
  score: 20,
  ...over,
});

test('the shipped pack loads and carries the SEASPRAY obt075 trigger', () => {
  const pack = shippedImplantTriggerPack();
  assert.ok(pack.triggers.some((t) => t.id === 'seaspray-obt075' && t.family === 'SEASPRAY' && t.score >= 15));
  assert.deepEqual(pack.match('invoice_OBT075_q3.pdf').map((m) => m.trigger.id), ['seaspray-obt075']);
  assert.deepEqual(pack.match('quarterly report.pdf'), []);
});

test('the shipped pack matches implant component names exactly, in any folder, not as substrings', () => {
  const pack = shippedImplantTriggerPack();
  assert.deepEqual(pack.match('stage/mod_udp.so').map((m) => m.trigger.family), ['SALTWATER']);
  assert.deepEqual(pack.match('INSTALL_HELO.TAR').map((m) => m.trigger.id), ['unc4841-install-packages']);
  assert.deepEqual(pack.match('my_mod_udp.so.txt'), []);
  // The directory name seen in the tar-as-txt fixture is not a package name.
  assert.deepEqual(pack.match('install_helo/run.sh'), []);
});

test('substring patterns match case-insensitively and after NFKC (fullwidth letters)', () => {
  const pack = compileImplantTriggerPack({ version: 1, triggers: [trigger()] });
  assert.equal(pack.match('xOBT075y').length, 1);
  assert.equal(pack.match('\uff4f\uff42\uff54075.zip').length, 1);
  assert.equal(pack.match('obt-075').length, 0);
});

test('a name is matched only within its first 1024 characters', () => {
  const pack = compileImplantTriggerPack({ version: 1, triggers: [trigger()] });
  assert.equal(pack.match(`${'a'.repeat(1000)}obt075`).length, 1);
  assert.equal(pack.match(`${'a'.repeat(2000)}obt075`).length, 0);
});

test('broken packs are refused with C2_TRIGGER_PACK_INVALID naming the problem', () => {
  const cases: [unknown, RegExp][] = [
    [{ version: 2, triggers: [trigger()] }, /version/],
    [{ version: 1, triggers: [] }, /triggers/],
    [{ version: 1, triggers: [trigger({ score: 'high' })] }, /score/],
    [{ version: 1, triggers: [trigger({ extra: 1 })] }, /extra|unrecognized/i],
    [{ version: 1, triggers: [trigger(), trigger()] }, /appears twice/],
    [{ version: 1, triggers: [trigger({ pattern: '^(a$' })] }, /not a valid regular expression/],
    [{ version: 1, triggers: [trigger({ pattern: '^(a+)+$' })] }, /backtrack/],
    [{ version: 1, triggers: [trigger({ pattern: '^(a)\\1$' })] }, /backtrack/],
    [{ version: 1, triggers: [trigger({ pattern: '^(?=a)a$' })] }, /backtrack/],
    ['not a pack', /expected object|invalid/i],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => compileImplantTriggerPack(data), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal((error as Error & { code?: unknown }).code, 'C2_TRIGGER_PACK_INVALID');
      assert.match(error.message, message);
      return true;
    });
  }
});

test('loading a pack file: YAML errors, a missing file and aliases fail loudly', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-c2-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  assert.throws(() => loadImplantTriggerPack(write('bad.yaml', 'version: 1\ntriggers: [\n')), /not valid YAML/);
  assert.throws(() => loadImplantTriggerPack(join(dir, 'missing.yaml')), /cannot read/);
  const aliased = 'version: 1\nbase: &t {id: a-1, pattern: obt075, family: X, reference: R, score: 1}\ntriggers: [*t]\n';
  assert.throws(() => loadImplantTriggerPack(write('alias.yaml', aliased)));
  const good = write('good.yaml', 'version: 1\ntriggers:\n  - {id: a-1, pattern: "^evil\\\\.bin$", family: X, reference: R, score: 3}\n');
  assert.equal(loadImplantTriggerPack(good).match('dir/EVIL.bin').length, 1);
});
