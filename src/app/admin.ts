/**
 * The services the CLI's admin commands need (log, queue, quarantine),
 * opened on the same data folder as a running gateway. SQLite in WAL mode
 * lets both processes share the database; the gateway's delivery runner
 * picks up rows the CLI queues within its poll interval.
 */
import { join } from 'node:path';
import type { MoatConfig } from '../config/index.js';
import { createQuarantine, type Quarantine } from '../quarantine/index.js';
import { Spool } from '../spool/index.js';
import {
  createMessageLog,
  createQuarantineIndex,
  createQueueStore,
  openSqliteStorage,
  type MessageLog,
  type SqlQueueStore,
} from '../storage/index.js';
import { dataPath } from './gateway.js';

export interface AdminServices {
  readonly messageLog: MessageLog;
  readonly queue: SqlQueueStore;
  readonly quarantine: Quarantine;
  readonly spool: Spool;
  close(): Promise<void>;
}

export async function openAdminServices(config: MoatConfig): Promise<AdminServices> {
  const storage = await openSqliteStorage({ path: dataPath(config, config.storage.sqlite.path) });
  const messageLog = createMessageLog(storage.db, config.node.id);
  const queue = createQueueStore(storage.db, config.node.id);
  const spool = await Spool.open(join(config.dataDir, 'spool'));
  const quarantine = await createQuarantine({
    dir: join(config.dataDir, 'quarantine'),
    index: createQuarantineIndex(storage.db),
    spool,
    enqueue: (queueId, recipients, now) => queue.enqueue(queueId, recipients, now),
    setStatus: (queueId, status) => messageLog.setStatus(queueId, status),
  });
  return { messageLog, queue, quarantine, spool, close: () => storage.close() };
}
