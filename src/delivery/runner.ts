/**
 * The queue runner: finds due queue rows, groups them into one transaction
 * per message and route, and delivers the groups with bounded concurrency,
 * globally and per destination, so one slow or dead next hop cannot hold up
 * the others. New mail is picked up at once through `kick()`; otherwise the
 * queue is polled every second or at the next retry time we set.
 *
 * The runner shares the main thread with SMTP intake, so a look at the queue
 * must stay cheap: kicks are coalesced to one look per event-loop turn, the
 * queue is asked only for as many rows as free slots can take, and never for
 * rows in flight or rows whose route is full. SMTP sessions to next hops are
 * kept and reused between messages (see session-pool.ts).
 */
import type { Logger } from 'pino';
import type { DeliveryConfig, DomainConfig, NextHopConfig } from '../config/schema.js';
import { attemptGroup, DeliveryBookkeepingError } from './attempt.js';
import type { AttemptContext, DeliveryGroup } from './attempt.js';
import { MAX_RECIPIENTS_PER_TRANSACTION, createRouteTable, groupDueRows } from './plan.js';
import type { AttemptOutcome, DeliveryLog, MessageInjector, QueueItem, QueueStore, SpoolReader } from './ports.js';
import { createSessionPool } from './session-pool.js';
import type { SessionPoolOptions } from './session-pool.js';

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
  /** Our authserv-id: `Authentication-Results` fields claiming it in a message are forgeries and are removed on delivery. */
  readonly authservId?: string;
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
  /**
   * Reuse of SMTP sessions to next hops; `false` opens one session per transaction.
   * Default: up to `perDestinationConcurrency` idle sessions per destination, 5 s idle, 100 messages each.
   */
  readonly sessionReuse?: SessionPoolOptions | false;
}

export interface DeliveryRunner {
  start(): void;
  /** Stops polling, waits (bounded) for in-flight deliveries, cancels what is left. */
  stop(): Promise<void>;
  /** Looks at the queue now, e.g. right after a message was queued. */
  kick(): void;
}

const DEFAULT_POLL_MS = 1000;
// After the queue could not record an outcome, its rows wait this long before another try.
const BOOKKEEPING_RETRY_MS = 60_000;
/** Nothing left Moat in the failed attempt: only the database needs time to come back. */
const BOOKKEEPING_RETRY_UNSENT_MS = 2_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
// Rows read per free slot: a slot takes one message, and most have a handful of
// recipients. Reading more only costs main-thread time for rows nobody can take.
const ROWS_PER_SLOT = 4;
const MIN_BATCH = 16;
const MAX_BATCH = 2000;

/** Creates the runner; nothing happens until `start()`. */
export function createDeliveryRunner(opts: DeliveryRunnerOptions): DeliveryRunner {
  const now = opts.now ?? (() => new Date());
  const pollMs = opts.pollIntervalMs ?? DEFAULT_POLL_MS;
  const concurrency = opts.delivery.concurrency;
  const perDestination = opts.perDestinationConcurrency ?? Math.max(1, Math.ceil(concurrency / 4));
  const routes = createRouteTable(opts.domains, opts.fallbackNextHop);
  const pool = opts.sessionReuse === false ? undefined : createSessionPool({ maxIdlePerDestination: perDestination, ...opts.sessionReuse });
  const abort = new AbortController();

  const inFlight = new Set<number>();
  const perDestActive = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let ticking = false;
  let rerun = false;
  let pending: NodeJS.Immediate | undefined;
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
    ...(opts.authservId === undefined ? {} : { authservId: opts.authservId }),
    now,
    random: opts.random ?? Math.random,
    signal: abort.signal,
    ...(pool ? { sessions: pool } : {}),
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

  const busy = (routeKey: string): boolean => (perDestActive.get(routeKey) ?? 0) >= perDestination;

  function launch(group: DeliveryGroup): void {
    for (const item of group.items) inFlight.add(item.id);
    const destKey = group.route.key;
    perDestActive.set(destKey, (perDestActive.get(destKey) ?? 0) + 1);
    let bookkeepingFailed = false;
    let holdMs = BOOKKEEPING_RETRY_MS;
    const task = attemptGroup(ctx, group)
      .catch((err: unknown) => {
        // Queue or log storage failed mid-way; the rows stay pending and are retried.
        bookkeepingFailed = true;
        if (err instanceof DeliveryBookkeepingError && !err.sent) holdMs = BOOKKEEPING_RETRY_UNSENT_MS;
        opts.logger.error({ err, spoolId: group.queueId, target: destKey }, 'delivery bookkeeping failed');
      })
      .finally(() => {
        if (bookkeepingFailed) {
          // The delivery may have happened while its outcome could not be written: hold these
          // rows out of the queue for a while, or the next tick would deliver them again at once.
          const held = group.items.map((item) => item.id);
          const release = setTimeout(() => {
            for (const id of held) inFlight.delete(id);
            kick();
          }, holdMs);
          release.unref();
        } else {
          for (const item of group.items) inFlight.delete(item.id);
        }
        const left = (perDestActive.get(destKey) ?? 1) - 1;
        if (left <= 0) perDestActive.delete(destKey);
        else perDestActive.set(destKey, left);
        running.delete(task);
        // A slot is free: look for more work (coalesced with other kicks this turn).
        kick();
      });
    running.add(task);
  }

  async function tick(): Promise<void> {
    ticking = true;
    try {
      rerun = false;
      const free = concurrency - running.size;
      if (stopped || free <= 0) return;
      const filter = routes.dueFilter(busy, inFlight);
      // Every route is full: no row could be taken, so do not read any.
      if (filter === undefined) return;
      // Slots that rows could actually fill: a full route takes none, whatever the global count says.
      const usable = Math.min(free, routes.freeRouteSlots((key) => perDestActive.get(key) ?? 0, perDestination));
      const limit = Math.min(MAX_BATCH, Math.max(MIN_BATCH, usable * ROWS_PER_SLOT));
      let asked = limit;
      let rows: QueueItem[];
      try {
        rows = await opts.queue.due(now(), asked, filter);
        // A full batch that is all one message (many recipients) is read again, up to a
        // whole transaction, so the message is not split over more transactions than needed.
        const first = rows[0];
        if (rows.length >= asked && asked < MAX_RECIPIENTS_PER_TRANSACTION && first !== undefined && rows.every((r) => r.queueId === first.queueId)) {
          asked = MAX_RECIPIENTS_PER_TRANSACTION;
          rows = await opts.queue.due(now(), asked, filter);
        }
      } catch (err) {
        opts.logger.error({ err }, 'delivery queue unreadable');
        return;
      }
      const groups = groupDueRows(rows, { routeOf: routes.routeOf, inFlight, truncated: rows.length >= asked });
      for (const group of groups) {
        if (stopped || running.size >= concurrency) break;
        if (busy(group.route.key)) continue;
        launch(group);
      }
    } finally {
      ticking = false;
      if (rerun) kick();
      schedule(pollMs);
    }
  }

  /** At most one tick runs at a time, and kicks in one event-loop turn share one tick. */
  function kick(): void {
    if (!started || stopped) return;
    if (ticking) {
      rerun = true;
      return;
    }
    if (pending !== undefined) return;
    pending = setImmediate(() => {
      pending = undefined;
      void tick();
    });
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
      if (pending !== undefined) clearImmediate(pending);
      pending = undefined;
      if (running.size > 0) {
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
      }
      // After the deliveries: a session they hand back now is closed at once.
      await pool?.close();
    },
    kick,
  };
}
