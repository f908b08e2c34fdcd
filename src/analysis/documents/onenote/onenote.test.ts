import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { createOneNoteDissector } from './index.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 1 << 20, maxEntries: 50, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 1 << 20 };
const MAGIC = Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex');
const FDSO = Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex');
const FOOTER = Buffer.from('22a7fb71790f0b4abb13899256426b24', 'hex');

/** A FileDataStoreObject as MS-ONESTORE 2.6.13 lays it out, padded to 8 bytes, with its footer. */
function fileDataStoreObject(data: Buffer, declared = data.length): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(declared, 0);
  const padding = Buffer.alloc((8 - (data.length % 8)) % 8);
  return Buffer.concat([FDSO, head, data, padding, FOOTER]);
}

function section(...objects: Buffer[]): Buffer {
  return Buffer.concat([MAGIC, Buffer.alloc(1008), ...objects, Buffer.alloc(64)]);
}

async function dissect(content: Buffer, budget: ExpansionBudget = createExpansionBudget(LIMITS)): Promise<DissectResult> {
  return createOneNoteDissector().dissect({ path: '2', content }, { budget, passwords: [] });
}

describe('onenote dissector', () => {
  it('accepts by section GUID only', () => {
    const d = createOneNoteDissector();
    assert.equal(d.accepts({ path: '1', content: section() }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.concat([Buffer.alloc(1), section()]) }), false);
  });

  it('yields every embedded file and reports them', async () => {
    const hta = Buffer.from('<html><hta:application id="x"><script>var s="echo hello";</script></html>');
    const bat = Buffer.from('@echo off\r\necho hello\r\n');
    const result = await dissect(section(fileDataStoreObject(hta), fileDataStoreObject(bat)));
    assert.deepEqual(result.members.map((m) => Buffer.from(m.content ?? new Uint8Array()).toString()), [hta.toString(), bat.toString()]);
    assert.deepEqual(result.findings.map((f) => f.symbol), ['ONENOTE_EMBEDDED_FILE']);
    assert.match(result.findings[0]?.detail ?? '', /2 file/);
  });

  it('reports nothing for a section without files', async () => {
    assert.deepEqual(await dissect(section()), { members: [], findings: [] });
  });

  it('clamps a length that points past the end', async () => {
    const result = await dissect(Buffer.concat([MAGIC, Buffer.alloc(16), FDSO, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0]), Buffer.alloc(12), Buffer.from('echo hello')]));
    assert.equal(Buffer.from(result.members[0]?.content ?? new Uint8Array()).toString(), 'echo hello');
    assert.deepEqual(result.findings.map((f) => f.symbol), ['ONENOTE_EMBEDDED_FILE', 'ONENOTE_MALFORMED']);
  });

  it('charges the budget per file', async () => {
    const budget = createExpansionBudget({ ...LIMITS, maxEntries: 2 });
    await assert.rejects(dissect(section(...Array.from({ length: 3 }, () => fileDataStoreObject(Buffer.from('x')))), budget), BudgetExceededError);
  });

  it('never throws (except for the budget) on random and mutated input', async () => {
    const seed = section(fileDataStoreObject(Buffer.from('echo hello')), fileDataStoreObject(Buffer.alloc(100, 3)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fc.oneof(fc.constant(FDSO), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))), { maxLength: 40 }).map((parts) => Buffer.concat([MAGIC, ...parts])),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }).map((edits) => {
            const copy = Buffer.from(seed);
            for (const [at, value] of edits) copy[16 + (at % (copy.length - 16))] = value;
            return copy;
          }),
        ),
        async (content) => {
          const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 4096 });
          try {
            await dissect(content, budget);
          } catch (err) {
            assert.ok(err instanceof BudgetExceededError, String(err));
          }
          assert.ok(budget.usedBytes <= 4096);
        },
      ),
      { numRuns: 300 },
    );
  });
});
