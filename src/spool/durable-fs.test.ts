import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDirectorySyncer } from './durable-fs.js';

describe('directory group commit', () => {
  it('lets callers that arrive during a sync share the next one, never the running one', async () => {
    const started: number[] = [];
    let release: (() => void) | undefined;
    const syncer = createDirectorySyncer('/unused', async () => {
      started.push(Date.now());
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const first = syncer.sync();
    assert.equal(started.length, 1);
    const later = Array.from({ length: 50 }, () => syncer.sync());
    assert.equal(started.length, 1, 'nobody rides on the sync that began before their change');
    release?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 2, 'the fifty waiting callers share one new sync');
    release?.();
    await Promise.all(later);
  });

  it('passes a failed sync on to the callers that waited for it', async () => {
    const syncer = createDirectorySyncer('/unused', () => Promise.reject(new Error('EIO')));
    await assert.rejects(syncer.sync(), /EIO/);
  });
});
