import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LOG_REDACTED, createLogger } from './logger.js';

/** Collects JSON log lines written synchronously by pino. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON with service and node base fields and an ISO time', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream, node: 'mx1' });
    logger.info({ spoolId: 'ABC' }, 'message accepted');
    const [line] = out.lines();
    assert.equal(line?.['service'], 'moat');
    assert.equal(line?.['node'], 'mx1');
    assert.equal(line?.['msg'], 'message accepted');
    assert.equal(line?.['spoolId'], 'ABC');
    assert.match(String(line?.['time']), /^\d{4}-\d\d-\d\dT/);
  });

  it('redacts passwords, tokens and auth headers at any configured depth, in children too', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream, node: 'mx1' }).child({ sessionId: 's1' });
    logger.info(
      {
        password: 'p1',
        auth: { username: 'u', password: 'p2', accessToken: 't1' },
        req: { headers: { authorization: 'Basic abc', cookie: 'sid=1', host: 'h' } },
        outer: { inner: { token: 't2' } },
      },
      'login',
    );
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of ['p1', 'p2', 't1', 't2', 'Basic abc', 'sid=1']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal(line?.['password'], LOG_REDACTED);
    assert.deepEqual(line?.['auth'], { username: 'u', password: LOG_REDACTED, accessToken: LOG_REDACTED });
    assert.equal(line?.['sessionId'], 's1');
  });

  it('respects the level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.stream });
    logger.info('hidden');
    logger.warn('shown');
    assert.deepEqual(
      out.lines().map((line) => line['msg']),
      ['shown'],
    );
  });
});
