import { openAdminServices } from '../../app/index.js';
import { print, type Command } from '../context.js';

/** `moat queue list|retry ID|delete ID` */
export const queueCommand: Command = async (context) => {
  const [verb, queueId] = context.args;
  const { config } = await context.loadConfig();
  const admin = await openAdminServices(config);
  try {
    switch (verb) {
      case 'list': {
        const rows = await admin.queue.list({ state: 'pending' });
        if (context.options['json'] === true) {
          for (const row of rows) print(context.io, JSON.stringify(row));
          return 0;
        }
        if (rows.length === 0) print(context.io, 'queue is empty');
        for (const row of rows) {
          print(context.io, `${row.queueId}  ${row.nodeId}  ${row.recipient}  attempts=${row.attempts}  next=${row.nextAttemptAt}${row.lastReply ? `  last="${row.lastReply}"` : ''}`);
        }
        return 0;
      }
      case 'retry': {
        if (queueId === undefined) break;
        const count = await admin.recorded('queue.retry', { message: queueId }, context.io.env['USER'] ?? 'unknown', () => admin.queue.retryNow(queueId));
        print(context.io, `${count} recipient(s) of ${queueId} due now`);
        return count > 0 ? 0 : 1;
      }
      case 'delete': {
        if (queueId === undefined) break;
        const count = await admin.recorded('queue.delete', { message: queueId }, context.io.env['USER'] ?? 'unknown', async () => {
          const removed = await admin.queue.deleteMessage(queueId);
          if ((await admin.queue.remaining(queueId)) === 0) await admin.spool.remove(queueId);
          return removed;
        });
        print(context.io, `${count} recipient(s) of ${queueId} removed from the queue`);
        return count > 0 ? 0 : 1;
      }
      default:
        break;
    }
    context.io.stderr.write('usage: moat queue list | retry QUEUE_ID | delete QUEUE_ID\n');
    return 64;
  } finally {
    await admin.close();
  }
};
