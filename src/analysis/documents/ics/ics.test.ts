import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { createIcsDissector } from './index.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 1 << 20, maxEntries: 50, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 1 << 20 };

/** Folds a content line at 75 octets as RFC 5545 3.1 requires. */
function fold(line: string): string {
  const parts = line.match(/.{1,74}/g) ?? [''];
  return parts.join('\r\n ');
}

function invite(lines: readonly string[]): Buffer {
  const all = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example//Cal//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:1@example.com', 'DTSTART:20250101T100000Z', 'SUMMARY:Quarterly review', ...lines, 'END:VEVENT', 'END:VCALENDAR'];
  return Buffer.from(`${all.map(fold).join('\r\n')}\r\n`);
}

async function dissect(content: Buffer, budget: ExpansionBudget = createExpansionBudget(LIMITS)): Promise<DissectResult> {
  return createIcsDissector().dissect({ path: '3', content }, { budget, passwords: [] });
}

describe('ics dissector', () => {
  it('accepts by BEGIN:VCALENDAR only', () => {
    const d = createIcsDissector();
    assert.equal(d.accepts({ path: '1', content: invite([]) }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('\ufeff\r\nbegin:vcalendar\r\n') }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('Subject: BEGIN:VCALENDAR\r\n') }), false);
  });

  it('reports nothing for an invite without links or files', async () => {
    assert.deepEqual(await dissect(invite(['LOCATION:Room 4', 'DESCRIPTION:Agenda:\\n1. numbers\\, 2. plans'])), { members: [], findings: [] });
  });

  it('counts links across folded lines and escapes', async () => {
    const url = `https://login.example-phish.test/${'a'.repeat(120)}?x=1`;
    const result = await dissect(invite([`DESCRIPTION:Join here:\\n${url}\\, or call`, 'LOCATION:https://meet.example.org/r/42', `URL:${url}`]));
    assert.deepEqual(result.findings.map((f) => f.symbol), ['ICS_LINK']);
    assert.match(result.findings[0]?.detail ?? '', /2 link\(s\).*login\.example-phish\.test, meet\.example\.org/);
  });

  it('yields an inline binary attachment with its file name', async () => {
    const file = Buffer.from('echo hello\r\n');
    const result = await dissect(invite([`ATTACH;FMTTYPE=application/x-msdownload;ENCODING=BASE64;VALUE=BINARY;X-FILENAME="agenda.pdf.cmd":${file.toString('base64')}`]));
    assert.deepEqual(result.findings.map((f) => f.symbol), ['ICS_ATTACHMENT']);
    assert.equal(result.members[0]?.name, 'agenda.pdf.cmd');
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), file);
  });

  it('reports a truncated calendar', async () => {
    const full = invite(['LOCATION:x']);
    assert.deepEqual((await dissect(full.subarray(0, full.length - 20))).findings.map((f) => f.symbol), ['ICS_MALFORMED']);
  });

  it('charges attachments to the budget', async () => {
    const big = Buffer.alloc(4096, 1).toString('base64');
    await assert.rejects(dissect(invite([`ATTACH;VALUE=BINARY;ENCODING=BASE64:${big}`]), createExpansionBudget({ ...LIMITS, maxTotalBytes: 1000 })), BudgetExceededError);
  });

  it('never throws (except for the budget) on random and mutated invites', async () => {
    const seed = invite(['ATTACH;VALUE=BINARY;ENCODING=BASE64;X-FILENAME="a":aGVsbG8=', 'DESCRIPTION:https://example.org/']).toString();
    const tokens = fc.constantFrom('BEGIN:VCALENDAR', '\r\n', '\r\n ', ';', ':', '=', '"', 'ATTACH', 'VALUE=BINARY', 'ENCODING=BASE64', 'aGVsbG8=', 'https://x/', '\\n', 'END:VCALENDAR');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200, unit: tokens }).map((s) => Buffer.from(`BEGIN:VCALENDAR\r\n${s}`)),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }).map((edits) => {
            const copy = Buffer.from(seed);
            for (const [at, value] of edits) copy[at % copy.length] = value;
            return copy;
          }),
        ),
        async (content) => {
          const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 2048 });
          try {
            await dissect(content, budget);
          } catch (err) {
            assert.ok(err instanceof BudgetExceededError, String(err));
          }
          assert.ok(budget.usedBytes <= 2048);
        },
      ),
      { numRuns: 300 },
    );
  });
});
