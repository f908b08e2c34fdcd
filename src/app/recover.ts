import type { Logger } from 'pino';
import type { Spool } from '../spool/index.js';
import type { SqlQueueStore } from '../storage/index.js';

/**
 * After a restart, every committed spool entry must be queued (enqueue is
 * idempotent) and entries whose recipients are all final are cleaned up:
 * a crash can fall between the last delivery and the spool removal.
 */
export async function recoverSpool({ spool, queue, logger }: { spool: Spool; queue: SqlQueueStore; logger: Logger }): Promise<void> {
  const report = await spool.recover();
  let resumed = 0;
  for (const meta of report.committed) {
    await queue.enqueue(meta.queueId, meta.envelope.rcptTo, new Date(meta.envelope.receivedAt));
    if ((await queue.remaining(meta.queueId)) === 0) await spool.remove(meta.queueId);
    else resumed++;
  }
  for (const queueId of report.corrupt) logger.error({ spoolId: queueId }, 'corrupt spool entry moved aside');
  logger.info({ resumed, abandoned: report.abandoned, corrupt: report.corrupt.length }, 'spool recovered');
}
