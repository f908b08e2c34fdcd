import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import type { ExpansionLimits } from '../../dissect/budget.js';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import { createZipDissector } from './index.js';
import { writeZip } from './test-support/zip-writer.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 8 * 1024 * 1024, maxEntries: 200, maxDepth: 4, maxRatio: 100, maxMemberBytes: 4 * 1024 * 1024 };
// Generous for a 2-core CI machine under load; a hang or quadratic path takes far longer.
const MAX_MS = 2000;
const dissector = createZipDissector();

/** Dissects hostile input: it may finish or stop at the budget, nothing else, within the budget and quickly. */
async function survives(content: Uint8Array): Promise<void> {
  const budget = createExpansionBudget(LIMITS);
  const started = performance.now();
  try {
    if (dissector.accepts({ path: '1', content })) {
      const result = await dissector.dissect({ path: '1', content }, { budget, passwords: ['pw', 'secret'] });
      for (const member of result.members) assert.equal(typeof member.name, 'string');
      for (const finding of result.findings) assert.ok(finding.score >= 0 && finding.detail.length < 4096);
    }
  } catch (err) {
    if (!(err instanceof BudgetExceededError)) throw err;
  }
  assert.ok(budget.usedBytes <= LIMITS.maxTotalBytes, `used ${budget.usedBytes} bytes`);
  assert.ok(budget.usedEntries <= LIMITS.maxEntries);
  assert.ok(performance.now() - started < MAX_MS, 'took too long');
}

const SEEDS: readonly Buffer[] = [
  writeZip([{ name: 'a.txt', data: 'hello '.repeat(200) }, { name: 'b.bin', data: 'stored', method: 0 }]).bytes,
  writeZip([{ name: 'd.txt', data: 'descriptor '.repeat(50), descriptor: 'signed' }, { name: 'e', data: 'x', descriptor: 'unsigned', method: 0 }]).bytes,
  writeZip([{ name: 'z.txt', data: 'zip64 '.repeat(100), zip64: true, descriptor: 'signed' }]).bytes,
  writeZip([{ name: 'c.txt', data: 'crypto '.repeat(40), encrypt: { kind: 'zipcrypto', password: 'pw' } }]).bytes,
  writeZip([{ name: 'aes.txt', data: 'aes '.repeat(40), encrypt: { kind: 'aes', password: 'secret', strength: 1, version: 1 } }]).bytes,
  writeZip([{ name: 'n.zip', data: writeZip([{ name: 'inner', data: 'in' }]).bytes, method: 0 }], { comment: 'c' }).bytes,
  writeZip([{ name: 'zeros', data: Buffer.alloc(2 * 1024 * 1024) }]).bytes,
];

const INTERESTING = [0, 1, 0x7fffffff, 0xffffffff, 0xffff, 0x10000, 30, 46];

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'word'; readonly at: number; readonly value: number }
  | { readonly kind: 'splice'; readonly from: number; readonly to: number; readonly length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat({ max: 0xffffffff })) }),
  fc.record({ kind: fc.constant('splice' as const), from: fc.nat(), to: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
);

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(seed);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') {
      const at = m.at % out.length;
      out[at] = (out[at] ?? 0) ^ (1 << m.bit);
    } else if (m.kind === 'truncate') {
      out = out.subarray(0, m.at % out.length);
    } else if (m.kind === 'word' && out.length >= 4) {
      out.writeUInt32LE(m.value >>> 0, m.at % (out.length - 3));
    } else if (m.kind === 'splice') {
      const from = m.from % out.length;
      const piece = out.subarray(from, from + m.length);
      const to = m.to % out.length;
      out = Buffer.concat([out.subarray(0, to), piece, out.subarray(to)]);
    }
  }
  return out;
}

test('random bytes (with and without a zip signature) never break the dissector', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('', 'PK\x03\x04', 'PK\x05\x06'), async (bytes, prefix) => {
      await survives(Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]));
    }),
    { numRuns: 1000 },
  );
});

test('mutated valid zips never break the dissector or its budget', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
      await survives(mutate(seed, mutations));
    }),
    { numRuns: 1500 },
  );
});

test('the property harness can fail: a budget overrun is caught', async () => {
  // A budget that is already spent must make `survives` fail on a valid zip, proving the checks are live.
  const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 1 });
  await assert.rejects(dissector.dissect({ path: '1', content: SEEDS[0] ?? Buffer.alloc(0) }, { budget, passwords: [] }), BudgetExceededError);
});
