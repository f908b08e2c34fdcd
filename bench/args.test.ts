import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchArgs, parseSettings } from './args.js';

describe('parseBenchArgs', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(parseBenchArgs([]), {
      connections: 16,
      messages: 2000,
      warmup: 200,
      sample: 2000,
      workers: 2,
      timeoutSeconds: 300,
      json: false,
      sink: 'raw',
      overrides: {},
    });
  });

  it('takes every option', () => {
    const options = parseBenchArgs([
      '--connections', '4', '--messages', '50', '--warmup', '0', '--sample', '10', '--workers', '1',
      '--timeout', '60', '--json', '--sink', 'smtp-server', '--cpu-prof', '/tmp/p', '--set', 'delivery.concurrency=4',
    ]);
    assert.equal(options.connections, 4);
    assert.equal(options.warmup, 0);
    assert.equal(options.sink, 'smtp-server');
    assert.equal(options.cpuProfDir, '/tmp/p');
    assert.deepEqual(options.overrides, { delivery: { concurrency: 4 } });
  });

  it('refuses out-of-range and unknown options', () => {
    assert.throws(() => parseBenchArgs(['--connections', '0']), /--connections must be an integer from 1 to 50/);
    assert.throws(() => parseBenchArgs(['--messages', '1.5']), /--messages/);
    assert.throws(() => parseBenchArgs(['--sink', 'postfix']), /--sink/);
    assert.throws(() => parseBenchArgs(['--fsync', 'off']));
  });
});

describe('parseSettings', () => {
  it('nests dotted keys and reads values as YAML', () => {
    assert.deepEqual(parseSettings(['analysis.workers=1', 'analysis.onTimeout=defer', 'smtp.bareLf=accept', 'delivery.retry.factor=1.5']), {
      analysis: { workers: 1, onTimeout: 'defer' },
      smtp: { bareLf: 'accept' },
      delivery: { retry: { factor: 1.5 } },
    });
  });

  it('refuses malformed pairs', () => {
    assert.throws(() => parseSettings(['delivery']), /KEY=VALUE/);
    assert.throws(() => parseSettings(['__proto__.x=1']), /KEY=VALUE/);
  });
});
