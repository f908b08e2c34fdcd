import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countQueued,
  formatCounts,
  parseProcStatTicks,
  parseProcStatus,
  parseVerdictCounts,
  percentile,
  subtractCounts,
  summarise,
} from './stats.js';

describe('percentile', () => {
  it('is the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 95), 95);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarise sorts before ranking', () => {
    const summary = summarise([30, 10, 20, 40]);
    assert.equal(summary.p50, 20);
    assert.equal(summary.max, 40);
    assert.equal(summary.mean, 25);
    assert.equal(summary.count, 4);
  });
});

describe('gateway metrics', () => {
  const exposition = [
    '# HELP moat_messages_total Messages by verdict action.',
    '# TYPE moat_messages_total counter',
    'moat_messages_total{action="deliver"} 1997',
    'moat_messages_total{action="tag"} 3',
    'moat_messages_total{action="quarantine"} 4',
    'moat_findings_total{symbol="X"} 9',
  ].join('\n');

  it('reads verdict counts and what of them reaches the next hop', () => {
    const counts = parseVerdictCounts(exposition);
    assert.deepEqual(counts, { deliver: 1997, tag: 3, quarantine: 4 });
    assert.equal(countQueued(counts), 2000);
  });

  it('subtracts a baseline', () => {
    assert.deepEqual(subtractCounts({ deliver: 10, tag: 2 }, { deliver: 4, tag: 2, reject: 0 }), { deliver: 6 });
  });

  it('formats counts', () => {
    assert.equal(formatCounts({ '451': 3, error: 1 }), '451×3 error×1');
    assert.equal(formatCounts({}), 'none');
  });
});

describe('/proc parsing', () => {
  it('reads VmHWM and VmRSS', () => {
    assert.deepEqual(parseProcStatus('Name:\tnode\nVmHWM:\t  262144 kB\nVmRSS:\t  131072 kB\n'), { vmHwmKb: 262144, vmRssKb: 131072 });
  });

  it('counts stat fields after the command name, even one with spaces and parentheses', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 250 50 0 0';
    assert.equal(parseProcStatTicks(`1234 (node) ${rest}`), 300);
    assert.equal(parseProcStatTicks(`1234 (a) (b c) ${rest}`), 300);
  });

  it('reads this process', async () => {
    const { readFile } = await import('node:fs/promises');
    const ticks = parseProcStatTicks(await readFile('/proc/self/stat', 'utf8'));
    assert.ok(Number.isInteger(ticks) && ticks >= 0);
  });
});
