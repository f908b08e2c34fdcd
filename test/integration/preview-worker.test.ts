/**
 * The preview pool renders in a real worker thread, and a hostile message
 * that overruns the time budget or the heap limit gives a clear error
 * without taking the process down; the pool keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { MoatError } from '../../src/core/index.js';
import { createPreviewPool, type PreviewLimits, type PreviewPool } from '../../src/analysis/index.js';

const FIXTURES = new URL('../../../test/fixtures/hostile-ui/', import.meta.url);
const LIMITS: PreviewLimits = { maxMessageBytes: 64 * 1024 * 1024, maxMimeParts: 100, maxMimeDepth: 10 };

/** An HTML message of about `megabytes` MB of event-handler soup, with no HTML input cap to save it. */
function hugeHtmlMessage(megabytes: number): Buffer {
  const unit = '<div onclick="a()"><img src=x onerror=alert(1)><a href="javascript:b()">x</a></div>';
  const body = unit.repeat(Math.ceil((megabytes * 1024 * 1024) / unit.length));
  return Buffer.from(`From: a@evil.example\r\nSubject: huge\r\nContent-Type: text/html\r\n\r\n${body}`);
}

async function assertRejectsWith(promise: Promise<unknown>, codes: readonly string[]): Promise<MoatError> {
  const error = await promise.then(
    () => assert.fail('the preview should have been refused'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof MoatError, String(error));
  assert.ok(codes.includes(error.code), `${error.code}: ${error.message}`);
  return error;
}

describe('preview worker pool', () => {
  const pools: PreviewPool[] = [];
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
  });

  it('renders a hostile message in the worker thread, from bytes or a stream', async () => {
    const pool = createPreviewPool({ timeBudgetMs: 10_000, workerHeapMb: 256, limits: LIMITS });
    pools.push(pool);
    const raw = await readFile(new URL('urls.eml', FIXTURES));
    const preview = await pool.preview(raw, { remoteContent: false });
    assert.match(preview.html ?? '', /\[remote image blocked: tracker\.example\]/u);
    assert.equal(preview.notes.unsafeUrls, 8);
    const streamed = await pool.preview(Readable.from([raw.subarray(0, 100), raw.subarray(100)]), { remoteContent: true });
    assert.equal(streamed.notes.remoteImagesShown, 2);
  });

  it('reads a stream only up to maxMessageBytes', async () => {
    const pool = createPreviewPool({ timeBudgetMs: 10_000, workerHeapMb: 256, limits: { ...LIMITS, maxMessageBytes: 300 } });
    pools.push(pool);
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('From: a@b.example\r\nSubject: endless\r\nContent-Type: text/plain\r\n\r\n');
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024, 0x61);
      }
    }
    const preview = await pool.preview(endless(), { remoteContent: false });
    assert.ok(preview.notes.truncated.includes('message'));
    assert.equal(preview.headers.subject, 'endless');
    assert.ok(pulled <= 1, `pulled ${pulled} chunks`);
  });

  it('stops a preview that overruns its time budget, and the next one works', async () => {
    const pool = createPreviewPool({ timeBudgetMs: 1500, workerHeapMb: 1024, limits: { ...LIMITS, maxHtmlInputChars: 64 * 1024 * 1024, maxHtmlOutputChars: 256 * 1024 * 1024 } });
    pools.push(pool);
    const raw = await readFile(new URL('scripts-and-handlers.eml', FIXTURES));
    // Warm: the thread is started and the modules loaded, so the budget below is all sanitising.
    assert.equal((await pool.preview(raw, { remoteContent: false })).notes.scripts, 3);
    const error = await assertRejectsWith(pool.preview(hugeHtmlMessage(40), { remoteContent: false }), ['PREVIEW_TIMEOUT']);
    assert.match(error.message, /time budget of 1500 ms/u);
    assert.equal((await pool.preview(raw, { remoteContent: false })).notes.scripts, 3);
  });

  it('survives a worker that runs out of heap, and the next preview works', async () => {
    const pool = createPreviewPool({ timeBudgetMs: 60_000, workerHeapMb: 48, limits: { ...LIMITS, maxHtmlInputChars: 64 * 1024 * 1024, maxHtmlOutputChars: 256 * 1024 * 1024 } });
    pools.push(pool);
    const error = await assertRejectsWith(pool.preview(hugeHtmlMessage(40), { remoteContent: false }), ['PREVIEW_FAILED']);
    assert.match(error.message, /ran out of memory \(heap limit 48 MB\)/u);
    const raw = await readFile(new URL('css.eml', FIXTURES));
    assert.equal((await pool.preview(raw, { remoteContent: false })).notes.styles, 4);
  });

  it('refuses previews once closed', async () => {
    const pool = createPreviewPool({ timeBudgetMs: 10_000, workerHeapMb: 256, limits: LIMITS });
    await pool.close();
    await assertRejectsWith(pool.preview(Buffer.from('Subject: x\r\n\r\nx'), { remoteContent: false }), ['PREVIEW_POOL_CLOSED']);
  });
});
