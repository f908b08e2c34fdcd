import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toWire } from './corpus.js';
import { LoadConnection } from './load-client.js';
import { startCountingSink, type SinkKind } from './sink.js';

const KINDS: readonly SinkKind[] = ['raw', 'smtp-server'];

describe('counting sink and load connection', () => {
  for (const kind of KINDS) {
    it(`${kind}: counts each recipient of each transaction on one persistent connection`, async () => {
      const sink = await startCountingSink(kind);
      const client = await LoadConnection.open({ port: sink.port, replyTimeoutMs: 5000, heloName: 'client.test' });
      try {
        // A body whose lines look like the terminator once unstuffed must not end DATA early.
        const tricky = toWire(Buffer.from('Subject: dots\n\n.\n..\nend\n'));
        const first = await client.send({ from: 'a@client.test', recipient: 'u1@example.test', ...tricky });
        const second = await client.send({ from: 'a@client.test', recipient: 'u2@example.test', ...toWire(Buffer.from('Subject: é\n\nx\n')) });
        assert.equal(first.code, 250);
        assert.equal(second.code, 250);
        assert.ok(first.latencyMs !== undefined && first.latencyMs >= 0);
        await sink.waitFor(2, 5000);
        assert.equal(sink.count(), 2);
        assert.ok(sink.lastDeliveryAt() !== undefined);
      } finally {
        await client.quit();
        await sink.close();
      }
    });
  }

  it('waitFor rejects when the count is not reached in time', async () => {
    const sink = await startCountingSink('raw');
    try {
      await assert.rejects(sink.waitFor(1, 50), /sink got 0 of 1/);
      const aborted = new AbortController();
      aborted.abort();
      await assert.rejects(sink.waitFor(1, 5000, aborted.signal), /aborted/);
    } finally {
      await sink.close();
    }
  });
});
