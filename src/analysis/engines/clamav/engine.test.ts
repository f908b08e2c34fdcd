import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineSubject } from '../../engine.js';
import { createClamavEngine, resolveClamdTarget } from './engine.js';

// Port 1 on loopback: nothing listens, and these cases must not connect at all.
const engine = createClamavEngine({ host: '127.0.0.1', port: 1, timeoutMs: 1000, maxStreamBytes: 16 });
const subject = (size: number): EngineSubject => ({
  artifact: { path: '2', declaredType: 'application/octet-stream', size, sha256: size === 0 ? '' : 'a'.repeat(64) },
  content: new Uint8Array(size),
});

test('empty content (a member listed but not extracted) is not sent', async () => {
  assert.deepEqual(await engine.inspect(subject(0)), []);
});

test('content over maxStreamBytes is not sent and gives CLAMAV_TOO_LARGE', async () => {
  const findings = await engine.inspect(subject(17));
  assert.deepEqual(findings.map((f) => [f.engine, f.symbol, f.score, f.severity, f.artifact]), [['clamav', 'CLAMAV_TOO_LARGE', 5, 'medium', '2']]);
  assert.match(findings[0]?.detail ?? '', /17 bytes exceed the ClamAV stream limit of 16/);
});

test('the clamd target: socket path first, then host:port, and nothing is an error', () => {
  assert.deepEqual(resolveClamdTarget({ socketPath: '/run/clamd.ctl', port: 3310 }), { socketPath: '/run/clamd.ctl' });
  assert.deepEqual(resolveClamdTarget({ port: 3310 }), { host: '127.0.0.1', port: 3310 });
  assert.throws(() => resolveClamdTarget({}), /socketPath or port/);
});
