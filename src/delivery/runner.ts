/**
 * The queue runner: finds due queue rows, groups them into one transaction
 * per message and route, and delivers the groups with bounded concurrency,
 * globally and per destination, so one slow or dead next hop cannot hold up
 * the others. New mail is picked up at once through `kick()`; otherwise the
 * queue is polled every second or at the next retry time we set.
 */
import type { Logger } from 'pino';
import type { DeliveryConfig, DomainConfig, NextHopConfig } from '../config/schema.js';
import { attemptGroup } from './attempt.js';
import type { AttemptContext, DeliveryGroup } from './attempt.js';
import type { AttemptOutcome, DeliveryLog, MessageInjector, QueueItem, QueueStore, SpoolReader } from './ports.js';
import { resolveRoute } from './route.js';

export interface DeliveryRunnerOptions {
  readonly queue: QueueStore;
  readonly spool: SpoolReader;
  readonly injector: MessageInjector;
  readonly log: DeliveryLog;
  readonly domains: readonly DomainConfig[];
  readonly delivery: DeliveryConfig;
  /** Absolute Maildir root. */
  readonly maildirRoot: string;
  readonly hostname: string;
  readonly logger: Logger;
  /** Called once per recipient attempt, for metrics; `target` is the route (`smtp:host:port`, `maildir`). */
  readonly onOutcome?: (outcome: AttemptOutcome, target: string) => void;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Smart host for domains we do not host (bounces to outside senders); absent: such mail fails. */
  readonly fallbackNextHop?: NextHopConfig;
  /** Poll interval in ms; default 1000. */
  readonly pollIntervalMs?: number;
  /** Parallel transactions per destination; default a quarter of `delivery.concurrency`, at least 1. */
  readonly perDestinationConcurrency?: number;
  /** How long `stop()` lets in-flight deliveries finish before cancelling them; default 30 s. */
  readonly stopTimeoutMs?: number;
}

export interface DeliveryRunner {
  start(): void;
  /** Stops polling, waits (bounded) for in-flight deliveries, cancels what is left. */
  stop(): Promise<void>;
  /** Looks at the queue now, e.g. right after a message was queued. */
  kick(): void;
}

const DEFAULT_POLL_MS = 1000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
// Rows already in flight come back from `due()` (oldest first) until they are
// marked, so read well past the concurrency to see other destinations' rows.
const BATCH_PER_SLOT = 32;
const MAX_BATCH = 2000;
// RFC 5321 §4.5.3.1.8: a server need accept no more than 100 recipients per transaction.
const MAX_RECIPIENTS_PER_TRANSACTION = 100;

/** Creates the runner; nothing happens until `start()`. */
export function createDeliveryRunner(opts: DeliveryRunnerOptions): DeliveryRunner {
  const now = opts.now ?? (() => new Date());
  const pollMs = opts.pollIntervalMs ?? DEFAULT_POLL_MS;
  const concurrency = opts.delivery.concurrency;
  const perDestination = opts.perDestinationConcurrency ?? Math.max(1, Math.ceil(concurrency / 4));
  const batch = Math.min(MAX_BATCH, Math.max(100, concurrency * BATCH_PER_SLOT));
  const abort = new AbortController();

  const inFlight = new Set<number>();
  const perDestActive = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let ticking = false;
  let rerun = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  const ctx: AttemptContext = {
    queue: opts.queue,
    spool: opts.spool,
    injector: opts.injector,
    log: opts.log,
    delivery: opts.delivery,
    maildirRoot: opts.maildirRoot,
    hostname: opts.hostname,
    logger: opts.logger,
    now,
    random: opts.random ?? Math.random,
    signal: abort.signal,
    ...(opts.onOutcome ? { onOutcome: opts.onOutcome } : {}),
    wakeAt: (at) => schedule(Math.max(0, at.getTime() - now().getTime())),
  };

  function schedule(delayMs: number): void {
    if (stopped || !started) return;
    const at = Date.now() + delayMs;
    if (timer !== undefined && timerAt <= at) return;
    if (timer !== undefined) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      kick();
    }, delayMs);
  }

  function groupRows(rows: readonly QueueItem[]): DeliveryGroup[] {
    const groups = new Map<string, { queueId: string; route: DeliveryGroup['route']; items: QueueItem[] }>();
    for (const row of rows) {
      if (inFlight.has(row.id)) continue;
      const route = resolveRoute(row.domain, opts.domains, opts.fallbackNextHop);
      const key = `${row.queueId}\u0000${route.key}`;
      const group = groups.get(key);
      if (group) group.items.push(row);
      else groups.set(key, { queueId: row.queueId, route, items: [row] });
    }
    const out: DeliveryGroup[] = [];
    for (const group of groups.values()) {
      for (let i = 0; i < group.items.length; i += MAX_RECIPIENTS_PER_TRANSACTION) {
        out.push({ ...group, items: group.items.slice(i, i + MAX_RECIPIENTS_PER_TRANSACTION) });
      }
    }
    return out;
  }

  function launch(group: DeliveryGroup): void {
    for (const item of group.items) inFlight.add(item.id);
    const destKey = group.route.key;
    perDestActive.set(destKey, (perDestActive.get(destKey) ?? 0) + 1);
    const task = attemptGroup(ctx, group)
      .catch((err: unknown) => {
        // Queue or log storage failed mid-way; the rows stay pending and are retried.
        opts.logger.error({ err, spoolId: group.queueId, target: destKey }, 'delivery bookkeeping failed');
      })
      .finally(() => {
        for (const item of group.items) inFlight.delete(item.id);
        const left = (perDestActive.get(destKey) ?? 1) - 1;
        if (left <= 0) perDestActive.delete(destKey);
        else perDestActive.set(destKey, left);
        running.delete(task);
        // A slot is free: look for more work straight away.
        kick();
      });
    running.add(task);
  }

  async function tick(): Promise<void> {
    ticking = true;
    try {
      do {
        rerun = false;
        if (stopped || running.size >= concurrency) break;
        let rows: QueueItem[];
        try {
          rows = await opts.queue.due(now(), batch);
        } catch (err) {
          opts.logger.error({ err }, 'delivery queue unreadable');
          break;
        }
        for (const group of groupRows(rows)) {
          if (stopped || running.size >= concurrency) break;
          if ((perDestActive.get(group.route.key) ?? 0) >= perDestination) continue;
          launch(group);
        }
      } while (rerun && !stopped);
    } finally {
      ticking = false;
      schedule(pollMs);
    }
  }

  function kick(): void {
    if (!started || stopped) return;
    if (ticking) {
      rerun = true;
      return;
    }
    void tick();
  }

  return {
    start(): void {
      if (started) return;
      started = true;
      kick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (running.size === 0) return;
      let grace: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        grace = setTimeout(() => resolve('timeout'), opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
      });
      const outcome = await Promise.race([Promise.allSettled([...running]).then(() => 'done' as const), timedOut]);
      if (grace !== undefined) clearTimeout(grace);
      if (outcome === 'timeout') {
        opts.logger.warn({ inFlight: running.size }, 'delivery stop timed out; cancelling in-flight deliveries');
        // Cancelled SMTP transactions come back as temporary failures and are retried after restart.
        abort.abort();
        await Promise.allSettled([...running]);
      }
    },
    kick,
  };
}
