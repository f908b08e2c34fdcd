/**
 * The retention job: on a timer, each organization's finished messages older
 * than its `messagesDays` and its held quarantine entries older than its
 * `quarantineDays` are removed, a bounded amount per run, in short
 * transactions. Every node may run it: the batches are idempotent. It also
 * clears quarantine entries orphaned by a node that died between holding a
 * message and logging it (never acknowledged; the sender sends it again).
 */
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { MoatConfig } from '../config/index.js';
import type { Quarantine } from '../quarantine/index.js';
import { expiredQuarantine, orphanedQuarantine, purgeMessages, type Database } from '../storage/index.js';

const DAY_MS = 86_400_000;
// Batches per organization per run: a run stays short; a backlog is worked off over several runs.
const MAX_BATCHES_PER_RUN = 50;
// An entry still without its log row this long after it was held belongs to no running intake:
// the DATA phase (analysis deadline, database calls) ends within minutes.
const ORPHAN_AGE_MS = 15 * 60_000;

/** What one pass removed. */
export interface RetentionPass {
  readonly messages: number;
  readonly quarantined: number;
  readonly orphans: number;
}

export interface RetentionJob {
  /** One pass now (also what the timer runs); resolves with what it removed. */
  runOnce(): Promise<RetentionPass>;
  stop(): Promise<void>;
}

export interface RetentionOptions {
  readonly config: MoatConfig;
  readonly db: Kysely<Database>;
  readonly quarantine: Quarantine;
  readonly organizationIds: ReadonlyMap<string, number>;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export function startRetentionJob(options: RetentionOptions): RetentionJob {
  const { config, db, quarantine, logger } = options;
  const now = options.now ?? (() => new Date());
  const overrides = new Map(config.organizations.map((o) => [o.name, o.retention ?? {}]));
  let running: Promise<RetentionPass> | undefined;

  /** Deletes each entry; another node may have acted on it meanwhile, which is fine. Returns how many went. */
  const deleteHeld = async (queueIds: readonly string[]): Promise<number> => {
    let deleted = 0;
    for (const queueId of queueIds) {
      await quarantine.delete(queueId).then(
        () => (deleted += 1),
        () => undefined,
      );
    }
    return deleted;
  };

  const pass = async (): Promise<RetentionPass> => {
    let messages = 0;
    let quarantined = 0;
    const orphans = await deleteHeld(await orphanedQuarantine(db, { before: new Date(now().getTime() - ORPHAN_AGE_MS), limit: config.retention.batchSize }));
    for (const [name, organizationId] of options.organizationIds) {
      const own = overrides.get(name) ?? {};
      const messagesDays = own.messagesDays ?? config.retention.messagesDays;
      const quarantineDays = own.quarantineDays ?? config.retention.quarantineDays;
      if (quarantineDays > 0) {
        const before = new Date(now().getTime() - quarantineDays * DAY_MS);
        quarantined += await deleteHeld(await expiredQuarantine(db, { organizationId, before, limit: config.retention.batchSize }));
      }
      if (messagesDays > 0) {
        const before = new Date(now().getTime() - messagesDays * DAY_MS);
        messages += await purgeMessages(db, { organizationId, before, batchSize: config.retention.batchSize, maxBatches: MAX_BATCHES_PER_RUN });
      }
    }
    if (messages + quarantined + orphans > 0) logger.info({ messages, quarantined, orphans }, 'retention purge');
    return { messages, quarantined, orphans };
  };

  const runOnce = (): Promise<RetentionPass> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => logger.warn({ err: error }, 'retention purge failed; it runs again later'));
  }, config.retention.intervalMinutes * 60_000);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
