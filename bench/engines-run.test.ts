import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseIndicatorCsv } from '../src/intel/index.js';
import { convertIocCsv, stepSettings } from './engines-run.js';

// From dist/bench/ to the source fixture (fixtures are not copied into dist).
const FIXTURE = fileURLToPath(new URL('../../bench/fixtures/ioc-unc4841.csv', import.meta.url));

describe('convertIocCsv', () => {
  it('turns the UNC4841 list into a CSV the gateway loads', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const rows = text.trimEnd().split('\n').length - 1;
    const { indicators, errors } = parseIndicatorCsv(convertIocCsv(text), { file: 'ioc.csv' });
    assert.deepEqual(errors, []);
    assert.equal(indicators.length, rows);
    assert.ok(indicators.some((i) => i.type === 'md5') && indicators.some((i) => i.type === 'sha256'));
    assert.ok(indicators.every((i) => i.severity === 'critical' && i.source === 'unc4841-bench'));
  });
});

describe('stepSettings', () => {
  const clamd = { host: '127.0.0.1', port: 3310 };
  it('adds one engine per step', () => {
    const senderSide = (on: boolean) => ({ auth: { enabled: on }, spam: { enabled: on }, reputation: { rdns: { enabled: on } } });
    assert.deepEqual(stepSettings('off', '/x.csv'), { analysis: { yara: { enabled: false }, clamav: { enabled: false } }, intel: { csv: [] }, ...senderSide(false) });
    assert.deepEqual(stepSettings('yara', '/x.csv'), { analysis: { yara: { enabled: true }, clamav: { enabled: false } }, intel: { csv: [] }, ...senderSide(false) });
    assert.deepEqual(stepSettings('intel', '/x.csv'), { analysis: { yara: { enabled: true }, clamav: { enabled: false } }, intel: { csv: ['/x.csv'] }, ...senderSide(false) });
    const clamav = { enabled: true, host: '127.0.0.1', port: 3310, maxStreamBytes: 32 * 1024 * 1024 };
    assert.deepEqual(stepSettings('all', '/x.csv', clamd), { analysis: { yara: { enabled: true }, clamav }, intel: { csv: ['/x.csv'] }, ...senderSide(false) });
    assert.deepEqual(stepSettings('sender', '/x.csv', clamd), { analysis: { yara: { enabled: true }, clamav }, intel: { csv: ['/x.csv'] }, ...senderSide(true) });
    assert.throws(() => stepSettings('all', '/x.csv'), /needs clamd/);
  });
});
