/**
 * The retention job: on a timer, each organization's finished messages older
 * than its `messagesDays` and its held quarantine entries older than its
 * `quarantineDays` are removed, a bounded amount per run, in short
 * transactions. Every node may run it: the batches are idempotent.
 */
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { MoatConfig } from '../config/index.js';
import type { Quarantine } from '../quarantine/index.js';
import { expiredQuarantine, purgeMessages, type Database } from '../storage/index.js';

const DAY_MS = 86_400_000;
// Batches per organization per run: a run stays short; a backlog is worked off over several runs.
const MAX_BATCHES_PER_RUN = 50;

export interface RetentionJob {
  /** One pass now (also what the timer runs); resolves with what it removed. */
  runOnce(): Promise<{ messages: number; quarantined: number }>;
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
  let running: Promise<{ messages: number; quarantined: number }> | undefined;

  const pass = async (): Promise<{ messages: number; quarantined: number }> => {
    let messages = 0;
    let quarantined = 0;
    for (const [name, organizationId] of options.organizationIds) {
      const own = overrides.get(name) ?? {};
      const messagesDays = own.messagesDays ?? config.retention.messagesDays;
      const quarantineDays = own.quarantineDays ?? config.retention.quarantineDays;
      if (quarantineDays > 0) {
        const before = new Date(now().getTime() - quarantineDays * DAY_MS);
        for (const queueId of await expiredQuarantine(db, { organizationId, before, limit: config.retention.batchSize })) {
          // Another node may have deleted or released it meanwhile: that is fine.
          await quarantine.delete(queueId).then(
            () => (quarantined += 1),
            () => undefined,
          );
        }
      }
      if (messagesDays > 0) {
        const before = new Date(now().getTime() - messagesDays * DAY_MS);
        messages += await purgeMessages(db, { organizationId, before, batchSize: config.retention.batchSize, maxBatches: MAX_BATCHES_PER_RUN });
      }
    }
    if (messages + quarantined > 0) logger.info({ messages, quarantined }, 'retention purge');
    return { messages, quarantined };
  };

  const runOnce = (): Promise<{ messages: number; quarantined: number }> => {
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
