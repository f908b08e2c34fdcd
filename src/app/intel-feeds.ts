/**
 * The TAXII feed poller (issue 8): each configured feed is polled on its own
 * timer (interval ± 10 % jitter, the first poll a few seconds after start).
 * A poll takes the feed's lease in the database (one node at a time, and only
 * when the feed is due: several nodes do not poll it once each), reads pages
 * from the stored added_after on, feeds each page's objects to the STIX import
 * (the raw page is dropped at once; memory is one page plus the small
 * per-indicator results), then stores every indicator of the poll in one
 * write through the same path as an import. added_after moves to the last
 * stored page's X-TAXII-Date-Added-Last only after that write succeeded: a
 * failed poll stores nothing and the next one reads the same pages again.
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { MoatConfig } from '../config/index.js';
import { MoatError } from '../core/index.js';
import { createStixImport, discoverTaxii, fetchCollectionPage, TaxiiError, type StixProblem, type TaxiiAuth, type TaxiiDiscovery } from '../intel/index.js';
import { MAX_UPSERT_ROWS, type IndicatorInput, type IntelFeedsStore, type IntelFeedState } from '../storage/index.js';
import { toIndicatorInput } from './intel-import.js';

export type IntelFeedConfig = MoatConfig['intel']['feeds'][number];

/** The lease outlives the poll deadline by this much: the holder writes its outcome (a database call) after the deadline. */
const LEASE_MARGIN_MS = 60_000;
/** A feed polled by any node within this part of its interval is not due yet (timers jitter by ±10 %). */
const DUE_FRACTION = 0.8;
const JITTER = 0.1;
/** The first poll comes this soon after start, spread so that nodes started together do not race for the lease. */
const FIRST_POLL_MIN_MS = 1000;
const FIRST_POLL_SPREAD_MS = 5000;
/** After a failed poll the next comes sooner than the interval: 30 s, doubling per further failure, at most the interval. */
const RETRY_FIRST_MS = 30_000;
/** Problems listed in a poll's outcome (the STIX import already caps its list at 1,000). */
const MAX_LISTED_PROBLEMS = 20;

export type FeedPollResult =
  | {
      readonly feed: string;
      readonly status: 'ok';
      readonly pages: number;
      readonly objects: number;
      readonly added: number;
      readonly updated: number;
      readonly problems: number;
      readonly problemSample: readonly StixProblem[];
      /** The server has more: the next poll goes on from addedAfter. */
      readonly more: boolean;
      readonly addedAfter?: string;
      readonly ms: number;
    }
  | { readonly feed: string; readonly status: 'failed'; readonly code: string; readonly message: string; readonly pages: number; readonly ms: number }
  | { readonly feed: string; readonly status: 'skipped'; readonly reason: string };

/** A feed as configured, with its stored state (absent before its first poll). */
export interface FeedStatus {
  readonly name: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly state?: IntelFeedState;
}

export interface IntelFeedsOptions {
  readonly feeds: readonly IntelFeedConfig[];
  readonly store: IntelFeedsStore;
  /** Stores a poll's rows in one write, as an import does (generation bump, propagation, what runs on new indicators). */
  readonly storeRows: (rows: readonly IndicatorInput[], by: string) => Promise<{ added: number; updated: number }>;
  /** The lease holder's name: the node id (the CLI adds `/cli`). */
  readonly node: string;
  readonly logger: Logger;
  /** When given, poll counters are registered here (the process's one registry). */
  readonly registry?: Registry;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

export interface IntelFeeds {
  /** Starts the timers of the enabled feeds. */
  start(): void;
  /** Polls one feed now; `force` polls even when it is not due (the lease is still taken). */
  poll(name: string, options?: { readonly force?: boolean; readonly by?: string }): Promise<FeedPollResult>;
  /** The configured feeds with their stored state. */
  status(): Promise<FeedStatus[]>;
  /** Stops the timers, aborts polls in flight and waits for them to record their outcome. */
  stop(): Promise<void>;
}

function authOf(feed: IntelFeedConfig): TaxiiAuth | undefined {
  if (feed.token !== undefined) return { kind: 'bearer', token: feed.token };
  if (feed.username !== undefined && feed.password !== undefined) return { kind: 'basic', username: feed.username, password: feed.password };
  return undefined;
}

/** What one poll read before storing: the import's result and where the next poll starts. */
interface Collected {
  readonly pages: number;
  readonly objects: number;
  readonly more: boolean;
  readonly addedAfter: string | undefined;
  readonly rows: readonly IndicatorInput[];
  readonly problems: readonly StixProblem[];
}

/** Reads the pages of one poll. Throws TaxiiError; stores nothing. */
async function collect(feed: IntelFeedConfig, startAfter: string | undefined, signal: AbortSignal, fetchImpl: typeof fetch | undefined): Promise<Collected> {
  // The poll's cap: what one upsert stores (the config keeps pageSize × maxPagesPerPoll within it).
  const cap = Math.min(feed.pageSize * feed.maxPagesPerPoll, MAX_UPSERT_ROWS);
  const stix = createStixImport({ source: feed.source ?? `taxii:${feed.name}`, maxObjects: cap });
  let pages = 0;
  let objects = 0;
  let more = false;
  let next: string | undefined;
  let queryAfter = startAfter;
  let storedAfter = startAfter;
  const auth = authOf(feed);
  for (;;) {
    const page = await fetchCollectionPage({
      collectionUrl: feed.url,
      ...(queryAfter === undefined ? {} : { addedAfter: queryAfter }),
      ...(next === undefined ? {} : { next }),
      limit: feed.pageSize,
      ...(auth === undefined ? {} : { auth }),
      timeoutMs: feed.timeoutSeconds * 1000,
      maxBytes: feed.maxBytesPerPage,
      signal,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
    if (objects + page.objects.length > cap) {
      // A server that ignores `limit`: the pages read so far are stored, this one is read again by the next poll.
      if (pages === 0) throw new TaxiiError('FEED_TOO_LARGE', `feed ${feed.name}: one page has ${String(page.objects.length)} objects, more than one poll stores (${String(cap)}); the server ignores limit=${String(feed.pageSize)}`);
      more = true;
      break;
    }
    page.objects.forEach((object, index) => stix.add(object, objects + index));
    objects += page.objects.length;
    pages += 1;
    if (page.objects.length > 0) {
      if (page.dateAddedLast === undefined) throw new TaxiiError('FEED_GARBAGE', `feed ${feed.name}: the server sent objects without X-TAXII-Date-Added-Last; the poll cannot say where the next one starts`);
      storedAfter = page.dateAddedLast;
    }
    more = page.more;
    if (!page.more || pages >= feed.maxPagesPerPoll) break;
    if (page.next !== undefined) next = page.next;
    else if (page.objects.length > 0) queryAfter = page.dateAddedLast;
    else throw new TaxiiError('FEED_GARBAGE', `feed ${feed.name}: the server says more but sends no objects and no next token`);
  }
  const result = stix.finish();
  const rows = result.indicators.map((indicator) => toIndicatorInput(feed.confidence === undefined ? indicator : { ...indicator, confidence: feed.confidence }));
  if (rows.length > MAX_UPSERT_ROWS) throw new TaxiiError('FEED_TOO_LARGE', `feed ${feed.name}: ${String(rows.length)} indicators in one poll, more than ${String(MAX_UPSERT_ROWS)}; lower pageSize or maxPagesPerPoll`);
  return { pages, objects, more, addedAfter: storedAfter, rows, problems: result.problems };
}

/** A discovery or collections reply is a short JSON document; 4 MiB is far beyond any real one. */
const DISCOVERY_MAX_BYTES = 4 * 1024 * 1024;
const DISCOVERY_TIMEOUT_MS = 30_000;

/** Lists a TAXII server's API roots and collections (`moat intel feeds discover URL`), with a configured feed's credentials when given. */
export function discoverFeeds(url: string, credentialsOf?: IntelFeedConfig): Promise<TaxiiDiscovery> {
  const auth = credentialsOf === undefined ? undefined : authOf(credentialsOf);
  return discoverTaxii(url, { timeoutMs: DISCOVERY_TIMEOUT_MS, maxBytes: DISCOVERY_MAX_BYTES, ...(auth === undefined ? {} : { auth }) });
}

/** When a feed's timer fires next: the interval, or after `failures` consecutive failed polls 30 s doubling per failure up to the interval; ±10 % jitter. */
export function nextPollDelayMs(intervalMs: number, failures: number, random: () => number): number {
  const baseMs = failures === 0 ? intervalMs : Math.min(intervalMs, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 20));
  return baseMs * (1 - JITTER + 2 * JITTER * random());
}

/** Creates the poller of the configured feeds; nothing runs until start() or poll(). */
export function createIntelFeeds(options: IntelFeedsOptions): IntelFeeds {
  const { store, logger, node } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const feeds = new Map(options.feeds.map((f) => [f.name, f]));
  const shutdown = new AbortController();
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Map<string, Promise<FeedPollResult>>();
  const registers = options.registry === undefined ? [] : [options.registry];
  // Feed names come from the config (at most 100): bounded label values.
  const polls = new Counter({ name: 'moat_intel_feed_polls_total', help: 'TAXII feed polls by feed and outcome (ok, failed, skipped).', labelNames: ['feed', 'outcome'] as const, registers });
  const stored = new Counter({ name: 'moat_intel_feed_indicators_total', help: 'Indicators stored from TAXII feeds, by feed and change (added, updated).', labelNames: ['feed', 'change'] as const, registers });

  const pollFeed = async (feed: IntelFeedConfig, force: boolean, by: string): Promise<FeedPollResult> => {
    const started = now();
    const deadlineMs = feed.intervalSeconds * 1000;
    await store.ensure([feed.name]);
    const dueBefore = new Date(started.getTime() - feed.intervalSeconds * 1000 * DUE_FRACTION);
    const claimed = await store.claim(feed.name, node, { now: started, until: new Date(started.getTime() + deadlineMs + LEASE_MARGIN_MS), ...(force ? {} : { dueBefore }) });
    if (!claimed) {
      const state = await store.get(feed.name);
      const holder = state?.leaseNode !== undefined && state.leaseUntil !== undefined && state.leaseUntil > started.toISOString() ? state.leaseNode : undefined;
      return { feed: feed.name, status: 'skipped', reason: holder === undefined ? `not due (last polled ${state?.lastPollAt ?? 'never'})` : `node ${holder} is polling it (lease until ${state?.leaseUntil ?? '?'})` };
    }
    const state = await store.get(feed.name);
    // A poll must end before the next one is due; shutdown aborts it at once.
    const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(deadlineMs)]);
    let pages = 0;
    try {
      const collected = await collect(feed, state?.addedAfter, signal, options.fetch);
      pages = collected.pages;
      const written = collected.rows.length === 0 ? { added: 0, updated: 0 } : await options.storeRows(collected.rows, by);
      const at = now();
      const recorded = await store.finish(feed.name, node, { ok: true, at, added: written.added, updated: written.updated, ...(collected.addedAfter === undefined ? {} : { addedAfter: collected.addedAfter }) });
      if (!recorded) logger.warn({ feed: feed.name }, 'feed lease ran out before the poll ended; its outcome is not recorded and the next poll reads these pages again');
      return {
        feed: feed.name,
        status: 'ok',
        pages: collected.pages,
        objects: collected.objects,
        added: written.added,
        updated: written.updated,
        problems: collected.problems.length,
        problemSample: collected.problems.slice(0, MAX_LISTED_PROBLEMS),
        more: collected.more,
        ...(collected.addedAfter === undefined ? {} : { addedAfter: collected.addedAfter }),
        ms: at.getTime() - started.getTime(),
      };
    } catch (error) {
      const code = error instanceof MoatError ? error.code : 'FEED_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      const at = now();
      await store.finish(feed.name, node, { ok: false, at, error: `${code}: ${message}` }).catch((cause: unknown) => logger.warn({ feed: feed.name, err: cause }, 'feed outcome not recorded'));
      return { feed: feed.name, status: 'failed', code, message, pages, ms: at.getTime() - started.getTime() };
    }
  };

  const report = (result: FeedPollResult): void => {
    polls.inc({ feed: result.feed, outcome: result.status });
    if (result.status === 'ok') {
      stored.inc({ feed: result.feed, change: 'added' }, result.added);
      stored.inc({ feed: result.feed, change: 'updated' }, result.updated);
      const { feed, pages, objects, added, updated, problems, more, ms } = result;
      logger.info({ feed, pages, objects, added, updated, problems, more, ms, ...(problems > 0 ? { problemSample: result.problemSample.slice(0, 3) } : {}) }, 'feed polled');
    } else if (result.status === 'failed') {
      logger.warn({ feed: result.feed, code: result.code, reason: result.message, pages: result.pages, ms: result.ms }, 'feed poll failed; nothing stored, the next poll reads the same pages');
    } else {
      logger.debug({ feed: result.feed, reason: result.reason }, 'feed poll skipped');
    }
  };

  /** Single flight per feed: a timer firing during a manual poll joins it. */
  const poll = (feed: IntelFeedConfig, force: boolean, by: string): Promise<FeedPollResult> => {
    const running = inFlight.get(feed.name);
    if (running !== undefined) return running;
    const run = pollFeed(feed, force, by)
      .catch((error: unknown): FeedPollResult => ({ feed: feed.name, status: 'failed', code: error instanceof MoatError ? error.code : 'FEED_FAILED', message: error instanceof Error ? error.message : String(error), pages: 0, ms: 0 }))
      .then((result) => {
        report(result);
        return result;
      })
      .finally(() => inFlight.delete(feed.name));
    inFlight.set(feed.name, run);
    return run;
  };

  const failures = new Map<string, number>();
  const nextDelayMs = (feed: IntelFeedConfig, result: FeedPollResult): number => {
    const failed = result.status === 'failed' ? (failures.get(feed.name) ?? 0) + 1 : 0;
    failures.set(feed.name, failed);
    return nextPollDelayMs(feed.intervalSeconds * 1000, failed, random);
  };

  const schedule = (feed: IntelFeedConfig, delayMs: number): void => {
    if (shutdown.signal.aborted) return;
    const timer = setTimeout(() => {
      // poll() turns every failure into a 'failed' result: it never rejects.
      void poll(feed, false, `feed:${feed.name}`).then((result) => schedule(feed, nextDelayMs(feed, result)));
    }, delayMs);
    timer.unref();
    timers.set(feed.name, timer);
  };

  return {
    start() {
      for (const feed of feeds.values()) if (feed.enabled) schedule(feed, FIRST_POLL_MIN_MS + FIRST_POLL_SPREAD_MS * random());
    },
    async poll(name, pollOptions = {}) {
      const feed = feeds.get(name);
      if (feed === undefined) throw new MoatError('FEED_UNKNOWN', `no feed named ${name} in intel.feeds`);
      return poll(feed, pollOptions.force ?? true, pollOptions.by ?? `feed:${feed.name}`);
    },
    async status() {
      const states = new Map((await store.list()).map((s) => [s.name, s]));
      return [...feeds.values()].map((f) => {
        const state = states.get(f.name);
        return { name: f.name, url: f.url, enabled: f.enabled, intervalSeconds: f.intervalSeconds, ...(state === undefined ? {} : { state }) };
      });
    },
    async stop() {
      shutdown.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all([...inFlight.values()]);
    },
  };
}
