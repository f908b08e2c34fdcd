/**
 * Retro-hunt (issue 8): when indicators arrive, the recorded history within
 * retention is searched for them, the matches are recorded against their
 * messages, and each organization with new matches is alerted (one `warn`
 * line and a counter per organization) with what reached its mailboxes and
 * what was blocked. Runs on demand too (`moat intel hunt`, the API).
 *
 * Background hunts (after an indicator store) run one at a time per node, in
 * order; a failure is logged and recorded in the run, never thrown into the
 * import that started it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { MoatConfig } from '../config/index.js';
import { MoatError, type Action } from '../core/index.js';
import { INDICATOR_TYPES, normaliseValue, parseAddress, parseNetwork, type IndicatorType } from '../intel/index.js';
import {
  createHuntStore,
  huntIndicators,
  listOrganizations,
  type Database,
  type HuntIndicator,
  type HuntMatch,
  type HuntNetworks,
  type HuntNotHuntable,
  type HuntStore,
  type HuntRun,
  type HuntTrigger,
  type IndicatorRecord,
  type IndicatorsStore,
  type MessageStatus,
} from '../storage/index.js';
import type { HuntPort, HuntRunView } from '../web/index.js';

const DAY_MS = 86_400_000;
/** Messages kept per indicator and field: a campaign hash in 100,000 messages is reported by its newest 1,000. */
const DEFAULT_LIMIT_PER_INDICATOR = 1000;
/** Indicators per run: a full feed (100,000 rows) is hunted, in about 200 statements per type. */
const MAX_HUNT_INDICATORS = 100_000;
/** Background hunts waiting behind the running one; more are refused (logged), a feed poll hunts again next time. */
const MAX_QUEUED_HUNTS = 100;
/** Queue ids listed per organization and outcome in a run's summary; the matches table holds them all. */
const MAX_LISTED_PER_ORGANIZATION = 1000;

export type HuntOutcome = 'delivered' | 'blocked';

export interface HuntRequest {
  /** Indicators given whole (file indicators, a CLI `--type/--value`). */
  readonly indicators?: readonly HuntIndicator[];
  /** Database indicators by id (expired ones included: asked for explicitly). */
  readonly indicatorIds?: readonly number[];
  /** Every active database indicator. */
  readonly allActive?: boolean;
  /** Default: now minus the longest message retention (no bound when any retention keeps messages forever). */
  readonly since?: Date;
  readonly trigger: HuntTrigger;
  readonly by: string;
}

export interface OrganizationHunt {
  readonly organizationId: number;
  readonly name: string;
  /** Reached (or is on its way to) mailboxes: pull these. */
  readonly delivered: readonly string[];
  readonly blocked: readonly string[];
  /** Of those, first found by this run. */
  readonly newMatches: number;
  /** More queue ids than listed (the matches table has them all). */
  readonly truncated?: boolean;
}

export interface HuntSummary {
  readonly runId: number;
  readonly indicators: number;
  readonly matches: number;
  readonly newMatches: number;
  readonly messages: number;
  readonly since: string;
  readonly byOrganization: readonly OrganizationHunt[];
  readonly notHuntable: readonly HuntNotHuntable[];
  readonly truncated: readonly { readonly type: string; readonly value: string; readonly field: string }[];
  readonly elapsedMs: number;
}

export interface RetroHunt {
  /** Runs a hunt now and records it. */
  hunt(request: HuntRequest): Promise<HuntSummary>;
  /** Runs a hunt behind the ones queued before it (one at a time on this node). */
  submit(request: HuntRequest): Promise<HuntSummary>;
  /** Queues a hunt in the background; errors are logged and recorded in the run, never thrown. */
  enqueue(request: HuntRequest): void;
  /** Resolves when no background hunt is running or queued (tests, shutdown). */
  idle(): Promise<void>;
  readonly store: HuntStore;
}

export interface RetroHuntOptions {
  readonly db: Kysely<Database>;
  readonly indicators: IndicatorsStore;
  readonly logger: Logger;
  /** Where `moat_retrohunt_matches_total{organization,outcome}` is registered (organization names come from the config: bounded). */
  readonly registry?: Registry;
  /** The longest message retention in days; 0: messages are kept forever. */
  readonly retentionDays: number;
  readonly now?: () => Date;
  readonly limitPerIndicator?: number;
}

/** The longest message retention of the installation (organizations may keep longer); 0 when any keeps forever. */
export function longestRetentionDays(config: MoatConfig): number {
  const days = [config.retention.messagesDays, ...config.organizations.map((o) => o.retention?.messagesDays ?? config.retention.messagesDays)];
  return days.includes(0) ? 0 : Math.max(...days);
}

/** Delivered: in mailboxes or on its way there (released, delivered, or accepted and queued); everything else held it back. */
export function huntOutcome(status: MessageStatus, action: Action): HuntOutcome {
  if (status === 'delivered' || status === 'partially-delivered' || status === 'released') return 'delivered';
  if ((status === 'queued' || status === 'deferred') && (action === 'deliver' || action === 'tag')) return 'delivered';
  return 'blocked';
}

/** IPv6 network membership from intel/ (storage parses IPv4 only). */
const NETWORKS: HuntNetworks = {
  contains(network, address) {
    const net = parseNetwork(network);
    const addr = parseAddress(address);
    if (net === undefined || addr === undefined || net.family !== addr.family) return false;
    for (let bit = 0; bit < net.prefix; bit++) {
      const mask = 0x80 >> (bit & 7);
      if (((net.bytes[bit >> 3] ?? 0) & mask) !== ((addr.bytes[bit >> 3] ?? 0) & mask)) return false;
    }
    return true;
  },
};

const toHuntIndicator = (row: IndicatorRecord): HuntIndicator => ({ id: row.id, type: row.type, value: row.value });

/** Creates the retro-hunt service. */
export function createRetroHunt(options: RetroHuntOptions): RetroHunt {
  const { db, logger } = options;
  const counter =
    options.registry === undefined
      ? undefined
      : new Counter({ name: 'moat_retrohunt_matches_total', help: 'Messages newly found by retro-hunts, by organization and outcome (delivered, blocked).', labelNames: ['organization', 'outcome'] as const, registers: [options.registry] });
  const now = options.now ?? (() => new Date());
  const store = createHuntStore(db);

  const resolve = async (request: HuntRequest): Promise<HuntIndicator[]> => {
    const out: HuntIndicator[] = [...(request.indicators ?? [])];
    for (const id of request.indicatorIds ?? []) {
      const row = await options.indicators.get(id);
      if (row !== undefined) out.push(toHuntIndicator(row));
    }
    if (request.allActive === true) out.push(...(await options.indicators.active(now())).map(toHuntIndicator));
    return out;
  };

  const summarise = async (matches: readonly HuntMatch[], fresh: readonly HuntMatch[]): Promise<OrganizationHunt[]> => {
    const names = new Map((await listOrganizations(db)).map((o) => [o.id, o.name]));
    const freshKeys = new Set(fresh.map((m) => `${m.queueId}\u0000${m.indicatorType}\u0000${m.indicatorValue}\u0000${m.matchedField}`));
    const orgs = new Map<number, { delivered: Set<string>; blocked: Set<string>; newMatches: number }>();
    for (const m of matches) {
      const org = orgs.get(m.organizationId) ?? { delivered: new Set<string>(), blocked: new Set<string>(), newMatches: 0 };
      orgs.set(m.organizationId, org);
      org[huntOutcome(m.status, m.action)].add(m.queueId);
      if (freshKeys.has(`${m.queueId}\u0000${m.indicatorType}\u0000${m.indicatorValue}\u0000${m.matchedField}`)) org.newMatches += 1;
    }
    return [...orgs]
      .sort(([a], [b]) => a - b)
      .map(([organizationId, org]) => {
        const delivered = [...org.delivered];
        const blocked = [...org.blocked];
        const cut = delivered.length > MAX_LISTED_PER_ORGANIZATION || blocked.length > MAX_LISTED_PER_ORGANIZATION;
        return {
          organizationId,
          name: names.get(organizationId) ?? String(organizationId),
          delivered: delivered.slice(0, MAX_LISTED_PER_ORGANIZATION),
          blocked: blocked.slice(0, MAX_LISTED_PER_ORGANIZATION),
          newMatches: org.newMatches,
          ...(cut ? { truncated: true } : {}),
        };
      });
  };

  const hunt = async (request: HuntRequest): Promise<HuntSummary> => {
    const started = now();
    const clock = performance.now();
    const indicators = (await resolve(request)).slice(0, MAX_HUNT_INDICATORS);
    const since = request.since ?? (options.retentionDays > 0 ? new Date(started.getTime() - options.retentionDays * DAY_MS) : new Date(0));
    const runId = await store.start({ trigger: request.trigger, requestedBy: request.by, indicators: indicators.length, at: started });
    try {
      const result = await huntIndicators(db, indicators, { since, limitPerIndicator: options.limitPerIndicator ?? DEFAULT_LIMIT_PER_INDICATOR, networks: NETWORKS });
      const fresh = await store.addMatches(runId, result.matches, now());
      const byOrganization = await summarise(result.matches, fresh);
      const messages = new Set(result.matches.map((m) => m.queueId)).size;
      const summary: HuntSummary = {
        runId,
        indicators: indicators.length,
        matches: result.matches.length,
        newMatches: fresh.length,
        messages,
        since: since.toISOString(),
        byOrganization,
        notHuntable: result.notHuntable,
        truncated: result.truncated,
        elapsedMs: Math.round(performance.now() - clock),
      };
      await store.finish(runId, { at: now(), matches: summary.matches, messages, elapsedMs: summary.elapsedMs, detail: { since: summary.since, newMatches: summary.newMatches, byOrganization, notHuntable: summary.notHuntable, truncated: summary.truncated } });
      for (const org of byOrganization) {
        if (org.newMatches === 0) continue;
        // The alert: an organization has mail carrying a new indicator; delivered ones are to be pulled from mailboxes.
        logger.warn(
          { organization: org.name, organizationId: org.organizationId, runId, delivered: org.delivered.length, blocked: org.blocked.length, newMatches: org.newMatches },
          'retro-hunt found mail carrying new indicators',
        );
      }
      for (const m of fresh) counter?.inc({ organization: byOrganization.find((o) => o.organizationId === m.organizationId)?.name ?? String(m.organizationId), outcome: huntOutcome(m.status, m.action) });
      logger.info({ runId, trigger: request.trigger, indicators: indicators.length, matches: summary.matches, newMatches: fresh.length, elapsedMs: summary.elapsedMs }, 'retro-hunt finished');
      return summary;
    } catch (error) {
      await store
        .finish(runId, { at: now(), matches: 0, messages: 0, elapsedMs: performance.now() - clock, error: error instanceof Error ? error.message : String(error) })
        .catch((recordError: unknown) => logger.error({ err: recordError, runId }, 'retro-hunt failure could not be recorded'));
      throw error;
    }
  };

  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const submit = (request: HuntRequest): Promise<HuntSummary> => {
    if (queued >= MAX_QUEUED_HUNTS) return Promise.reject(new MoatError('HUNT_QUEUE_FULL', `${String(queued)} retro-hunts are waiting; try again later`));
    queued += 1;
    const run = tail.then(() => hunt(request)).finally(() => {
      queued -= 1;
    });
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    hunt,
    submit,
    enqueue(request) {
      submit(request).catch((error: unknown) => logger.error({ err: error, trigger: request.trigger }, 'retro-hunt failed'));
    },
    idle: async () => {
      // A hunt queued while waiting extends the tail: wait until it stops moving.
      for (let seen = tail; ; seen = tail) {
        await seen;
        if (seen === tail) return;
      }
    },
    store,
  };
}

const viewOfRun = (run: HuntRun): HuntRunView => ({
  id: run.id,
  startedAt: run.startedAt,
  ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
  trigger: run.trigger,
  requestedBy: run.requestedBy,
  indicators: run.indicators,
  matches: run.matches,
  messages: run.messages,
  ...(run.elapsedMs === undefined ? {} : { elapsedMs: run.elapsedMs }),
  ...(run.error === undefined ? {} : { error: run.error }),
});

/** The admin API's retro-hunt port over the service. */
export function createHuntPort(retroHunt: RetroHunt, db: Kysely<Database>): HuntPort {
  return {
    async list(options) {
      return (await retroHunt.store.list(options)).map(viewOfRun);
    },
    async get(id) {
      const run = await retroHunt.store.get(id);
      if (run === undefined) return undefined;
      const names = new Map((await listOrganizations(db)).map((o) => [o.id, o.name]));
      const orgs = new Map<number, Map<string, { receivedAt: string; status: string; action: string; outcome: HuntOutcome; indicators: { type: string; value: string; field: string }[] }>>();
      for (const m of await retroHunt.store.matchesOfRun(id, { limit: 10_000 })) {
        const messages = orgs.get(m.organizationId) ?? new Map();
        orgs.set(m.organizationId, messages);
        const entry = messages.get(m.queueId) ?? { receivedAt: m.receivedAt, status: m.status, action: m.action, outcome: huntOutcome(m.status, m.action), indicators: [] };
        messages.set(m.queueId, entry);
        entry.indicators.push({ type: m.indicatorType, value: m.indicatorValue, field: m.matchedField });
      }
      const organizations = [...orgs].map(([organizationId, messages]) => {
        const list = [...messages].map(([queueId, e]) => ({ queueId, receivedAt: e.receivedAt, status: e.status, action: e.action, indicators: e.indicators, outcome: e.outcome }));
        const strip = ({ outcome: _outcome, ...rest }: (typeof list)[number]) => rest;
        return {
          organizationId,
          name: names.get(organizationId) ?? String(organizationId),
          delivered: list.filter((e) => e.outcome === 'delivered').map(strip),
          blocked: list.filter((e) => e.outcome === 'blocked').map(strip),
        };
      });
      // Organizations with delivered mail first: theirs is the work to do.
      organizations.sort((a, b) => b.delivered.length - a.delivered.length || a.organizationId - b.organizationId);
      return { run: viewOfRun(run), ...(run.detail === undefined ? {} : { summary: run.detail }), organizations };
    },
    run: (request, by) =>
      retroHunt.submit({
        trigger: 'api',
        by,
        ...(request.indicatorIds === undefined ? { allActive: true } : { indicatorIds: request.indicatorIds }),
        ...(request.since === undefined ? {} : { since: request.since }),
      }),
  };
}

/** An indicator typed by hand (`moat intel hunt --type T --value V`), normalised as the loaders do; a string says why not. */
export function normaliseHuntIndicator(type: string, value: string): HuntIndicator | string {
  if (!(INDICATOR_TYPES as readonly string[]).includes(type)) return `unknown indicator type "${type.slice(0, 40)}" (one of ${INDICATOR_TYPES.join(', ')})`;
  // Checked just above: one of INDICATOR_TYPES.
  const normal = normaliseValue(type as IndicatorType, value);
  return normal.ok ? { type, value: normal.value } : normal.reason;
}
