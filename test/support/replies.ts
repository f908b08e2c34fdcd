/**
 * Assertions on SMTP replies and on what a gateway left behind, shared by
 * the hostile-input, delivery and crash tests.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RawSmtpClient, type Reply } from './smtp-client.js';

/** Asserts the reply code and the RFC 3463 enhanced code that leads its text (`null`: none). */
export function assertReply(reply: Reply, code: number, enhanced: string | null, what = 'reply'): void {
  assert.equal(reply.code, code, `${what}: ${reply.code} ${reply.text}`);
  const found = /^(\d\.\d{1,3}\.\d{1,3}) /.exec(reply.text)?.[1] ?? null;
  assert.equal(found, enhanced, `${what}: enhanced code of "${reply.code} ${reply.text}"`);
}

/** The queue id in a `250 2.0.0 Ok: queued as <id>` reply. */
export function queueIdOf(reply: Reply | undefined): string {
  const queueId = /queued as ([0-9A-Z]{20})/.exec(reply?.text ?? '')?.[1];
  assert.ok(queueId, `no queue id in ${reply?.code ?? '-'} ${reply?.text ?? ''}`);
  return queueId;
}

/** A fresh session gets a greeting and a full envelope accepted, then resets: the listener still serves. */
export async function assertServing(port: number, options: { localAddress?: string; rcpt?: string } = {}): Promise<void> {
  const client = await RawSmtpClient.connect(port, '127.0.0.1', options);
  try {
    assertReply(await client.read(), 220, null, 'greeting');
    assert.equal((await client.command('EHLO still.example.net')).code, 250);
    assertReply(await client.command('MAIL FROM:<probe@sender.example>'), 250, '2.1.0', 'MAIL');
    assertReply(await client.command(`RCPT TO:<${options.rcpt ?? 'probe@example.test'}>`), 250, '2.1.5', 'RCPT');
    assertReply(await client.command('RSET'), 250, '2.0.0', 'RSET');
    assertReply(await client.command('QUIT'), 221, '2.0.0', 'QUIT');
  } finally {
    client.close();
  }
}

/** File names in a spool folder (`incoming`, `messages`, `corrupt`) of a data folder. */
export async function spoolFiles(dataDir: string, folder: 'incoming' | 'messages' | 'corrupt'): Promise<string[]> {
  return readdir(join(dataDir, 'spool', folder));
}
