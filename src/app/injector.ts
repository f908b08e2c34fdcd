/**
 * Queues mail Moat writes itself (DSN bounces) through the same spool and
 * queue as received mail, so it is as durable and retried the same way.
 */
import { createHash } from 'node:crypto';
import { createQueueId } from '../core/index.js';
import type { MessageInjector, SpoolMeta } from '../delivery/ports.js';
import type { Spool } from '../spool/index.js';
import type { SqlQueueStore } from '../storage/index.js';

export interface LocalInjector extends MessageInjector {
  onQueued(listener: () => void): void;
}

export function createLocalInjector({ spool, queue, hostname }: { spool: Spool; queue: SqlQueueStore; hostname: string }): LocalInjector {
  const listeners: Array<() => void> = [];
  return {
    async inject(mailFrom, rcptTo, raw) {
      const queueId = createQueueId();
      const now = new Date();
      const meta: SpoolMeta = {
        queueId,
        envelope: {
          mailFrom,
          rcptTo: [...rcptTo],
          client: { address: '127.0.0.1', port: 0, helo: hostname },
          sessionId: 'local',
          receivedAt: now.toISOString(),
          smtpUtf8: false,
        },
        verdict: { action: 'deliver', score: 0, reasons: ['generated locally'], policyVersion: 'local' },
        headerPrefix: '',
        size: raw.length,
        sha256: createHash('sha256').update(raw).digest('hex'),
      };
      await spool.store(meta, raw);
      await queue.enqueue(queueId, rcptTo, now);
      for (const listener of listeners) listener();
      return queueId;
    },
    onQueued(listener) {
      listeners.push(listener);
    },
  };
}
