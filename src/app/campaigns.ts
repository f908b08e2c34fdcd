/**
 * The campaign service: reclusters the message log's suspicious mail of the
 * last `campaigns.windowDays` with `campaigns/`' pure clustering, persists the
 * clusters (identities kept, analyst pins respected: storage/campaign-store.ts),
 * builds reports (organizations with country and sector from the database,
 * sender countries from GeoIP) and exports them, and carries out the
 * analyst's renames, attributions, merges and splits, each recorded in the
 * campaign's history (the API's route audit and the CLI's `recorded()` put
 * them in the audit log). Reclusters every `campaigns.intervalSeconds`.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Piscina } from 'piscina';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { MoatError } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { createRegistrableDomain, MULTI_LABEL_SUFFIXES } from '../analysis/index.js';
import { buildCampaignReport, campaignReportCsv, campaignReportStix, type CampaignCluster, type CampaignMessage, type CampaignReport, type ClusterOptions, type EvidenceKind } from '../campaigns/index.js';
import { createCountryLookup, type CountryLookup } from '../geo/index.js';
import {
  createCampaignStore,
  createJobLeases,
  readCampaignMessages,
  readClusterInput,
  type CampaignListRow,
  type CampaignMemberRecord,
  type CampaignRecord,
  type CampaignStore,
  type ClusterToSave,
  type Database,
} from '../storage/index.js';
import type { CampaignDetailView, CampaignPort, CampaignSummaryView, CampaignView } from '../web/index.js';
import { shippedPath } from './analysis-options.js';

const DAY_MS = 86_400_000;
/** A campaign report reads its members whole; past this it is a log, not a campaign (the cluster's prevalence limits keep real ones far below). */
const MAX_REPORT_MEMBERS = 50_000;
/** The longest name given to a new campaign (from its commonest subject). */
const MAX_GENERATED_NAME_CHARS = 80;

export interface ReclusterSummary {
  readonly campaigns: number;
  readonly members: number;
  readonly created: number;
  readonly removed: number;
  readonly messagesRead: number;
  readonly capped: boolean;
  readonly elapsedMs: number;
  /** Where the time went: reading the window, clustering (CPU, this thread), saving. */
  readonly phasesMs: { readonly read: number; readonly cluster: number; readonly save: number };
}

export interface CampaignService {
  /** Clusters the window from `since` (default: `campaigns.windowDays` back) and persists the result. */
  recluster(options?: { since?: Date; by?: string }): Promise<ReclusterSummary>;
  list(options?: { limit?: number; beforeId?: number }): Promise<CampaignListRow[]>;
  get(id: number): Promise<CampaignRecord | undefined>;
  report(id: number): Promise<CampaignReport | undefined>;
  exportCsv(id: number): Promise<string | undefined>;
  exportStix(id: number): Promise<object | undefined>;
  rename(id: number, name: string, by: string): Promise<CampaignRecord | undefined>;
  attribute(id: number, actor: string | undefined, by: string): Promise<CampaignRecord | undefined>;
  merge(into: number, from: readonly number[], by: string): Promise<CampaignRecord>;
  split(id: number, queueIds: readonly string[], options: { name?: string; by: string }): Promise<CampaignRecord>;
  /** The admin API's port. */
  readonly port: CampaignPort;
  readonly store: CampaignStore;
  /** Starts the timer (`campaigns.intervalSeconds`; 0: none). */
  start(): void;
  /** Stops the timer; waits for a run in flight. */
  stop(): Promise<void>;
}

export interface CampaignServiceOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** IP → country; loaded on the first report (see {@link loadCountryLookup}). */
  readonly geo: () => Promise<CountryLookup>;
  readonly config: MoatConfig;
  readonly now?: () => Date;
}

/** The shipped country database (`@ip-location-db/geo-whois-asn-country-mmdb`, CC BY 4.0 by NRO). */
export function shippedCountryDatabase(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
}

/** A lazy GeoIP loader: reads `geo.countryDatabase` (or the shipped database) once, on first use; a failed read is retried next time. */
export function loadCountryLookup(config: MoatConfig): () => Promise<CountryLookup> {
  let loading: Promise<CountryLookup> | undefined;
  return () => {
    loading ??= (async () => {
      const path = config.geo.countryDatabase === undefined ? shippedCountryDatabase() : shippedPath(config.geo.countryDatabase);
      try {
        return createCountryLookup(await readFile(path));
      } catch (error) {
        loading = undefined;
        if (error instanceof MoatError) throw error;
        throw new MoatError('GEO_DATABASE_UNREADABLE', `cannot read the country database ${path} (geo.countryDatabase): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    })();
    return loading;
  };
}

/** A new campaign's name: its commonest subject among suspicious members, else an attachment name, else its key. */
function nameFor(cluster: ClusterToSave, messages: ReadonlyMap<string, CampaignMessage>): string {
  const counts = new Map<string, number>();
  let attachment: string | undefined;
  for (const member of cluster.members) {
    const m = messages.get(member.queueId);
    if (m === undefined) continue;
    const subject = m.subject?.replace(/\s+/gu, ' ').trim();
    if (m.suspicious && subject !== undefined && subject !== '') counts.set(subject, (counts.get(subject) ?? 0) + 1);
    attachment ??= m.attachments.find((a) => a.name !== undefined)?.name;
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? attachment;
  const label = best === undefined ? `cluster ${cluster.key}` : best.length > MAX_GENERATED_NAME_CHARS ? `${best.slice(0, MAX_GENERATED_NAME_CHARS - 1)}…` : best;
  // Control characters are hostile header text; a name is shown in the UI and the CLI.
  return `Campaign: ${label.replace(/[\u0000-\u001f\u007f]/gu, ' ')}`;
}

function toView(record: CampaignRecord): CampaignView {
  return {
    id: record.id,
    name: record.name,
    ...(record.actor === undefined ? {} : { actor: record.actor }),
    status: record.status,
    ...(record.mergedInto === undefined ? {} : { mergedInto: record.mergedInto }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function toSummary(row: CampaignListRow): CampaignSummaryView {
  return {
    id: row.id,
    name: row.name,
    ...(row.actor === undefined ? {} : { actor: row.actor }),
    status: row.status,
    messages: row.messages,
    organizations: row.organizations,
    countries: row.countries,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    delivered: row.delivered,
    blocked: row.blocked,
    updatedAt: row.updatedAt,
  };
}

/** Creates the service; call `start()` for the timer. */
const EVIDENCE_KINDS: ReadonlySet<string> = new Set<EvidenceKind>(['artifact', 'detection+infrastructure', 'lure', 'url-domain']);

function isEvidenceKind(kind: string): kind is EvidenceKind {
  return EVIDENCE_KINDS.has(kind);
}

const RECLUSTER_JOB = 'campaigns.recluster';
// A run whose node dies frees the job this long after the interval; a node's timer that fires early by jitter
// or drift still finds the job due when the last run is 80 % of an interval old.
const RECLUSTER_LEASE_MARGIN_MS = 60_000;
const RECLUSTER_DUE_FRACTION = 0.8;

// Resolved against this compiled file (dist/src/app/campaigns.js): dist/src/workers/campaign-worker.js.
const CLUSTER_WORKER_URL = new URL('../workers/campaign-worker.js', import.meta.url);
// 200,000 messages with their evidence take about 1 GB while clustered; the thread gets room beyond that, and no more.
const CLUSTER_WORKER_HEAP_MB = 3072;

/**
 * Clusters in a thread of its own, started for the run and ended after it (a run every few minutes does not
 * justify an idle thread): seconds of CPU that would otherwise stall SMTP and delivery on this event loop.
 */
async function clusterInWorker(messages: readonly CampaignMessage[], options: ClusterOptions): Promise<CampaignCluster[]> {
  const pool = new Piscina({ filename: CLUSTER_WORKER_URL.href, name: 'clusterCampaignsTask', minThreads: 1, maxThreads: 1, resourceLimits: { maxOldGenerationSizeMb: CLUSTER_WORKER_HEAP_MB } });
  try {
    // The thread runs clusterCampaigns (workers/campaign-worker.ts): its structured-cloned result has that shape.
    return (await pool.run({ messages, options })) as CampaignCluster[];
  } finally {
    await pool.destroy();
  }
}

export function createCampaignService(options: CampaignServiceOptions): CampaignService {
  const { db, logger, config } = options;
  const now = options.now ?? (() => new Date());
  const store = createCampaignStore(db);
  const leases = createJobLeases(db);
  const registrableDomain = createRegistrableDomain(MULTI_LABEL_SUFFIXES);
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function runRecluster(since: Date, by: string): Promise<ReclusterSummary> {
    const started = performance.now();
    const until = new Date(now().getTime() + 1);
    const input = await readClusterInput(db, { since, until, registrableDomain });
    const read = performance.now();
    if (input.capped) logger.warn({ messages: input.messages.length, suspicious: input.suspicious, clusteredSince: input.clusteredSince.toISOString() }, 'campaign input capped; the newest suspicious mail of the window was clustered');
    const messages: readonly CampaignMessage[] = input.messages;
    const clusters = await clusterInWorker(messages, { minMembers: config.campaigns.minMembers });
    const clustered = performance.now();
    const byId = new Map(messages.map((m) => [m.queueId, m]));
    const saved = await store.saveClusters(clusters, { since: input.clusteredSince, until, at: now(), by, nameOf: (cluster) => nameFor(cluster, byId) });
    const done = performance.now();
    const phasesMs = { read: Math.round(read - started), cluster: Math.round(clustered - read), save: Math.round(done - clustered) };
    const summary: ReclusterSummary = { campaigns: saved.campaigns, members: saved.members, created: saved.created, removed: saved.removed, messagesRead: messages.length, capped: input.capped, elapsedMs: Math.round(done - started), phasesMs };
    logger.info({ ...summary, clusters: clusters.length, suspicious: input.suspicious, since: since.toISOString() }, 'campaigns reclustered');
    return summary;
  }

  /** Single flight: a run asked for while one runs waits for it and then runs (it may have read the log before the change that prompted the call). */
  function recluster(opts: { since?: Date; by?: string } = {}): Promise<ReclusterSummary> {
    const since = opts.since ?? new Date(now().getTime() - config.campaigns.windowDays * DAY_MS);
    const by = opts.by ?? 'system';
    const previous = running ?? Promise.resolve();
    const next = previous.then(() => runRecluster(since, by));
    // Cleared when this run settles unless another was queued behind it (compared with the promise stored,
    // not `next`: the timer skips its tick while `running` is set, so a stale one would stop it for good).
    const settled: Promise<void> = next.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      if (running === settled) running = undefined;
    });
    running = settled;
    return next;
  }

  /** A campaign with what its report and member list are built from, read once. */
  async function load(id: number): Promise<{ campaign: CampaignRecord; members: CampaignMemberRecord[]; messages: CampaignMessage[]; report: CampaignReport; organizationNames: ReadonlyMap<number, string> } | undefined> {
    const campaign = await store.get(id);
    if (campaign === undefined) return undefined;
    const members = (await store.members(id)).slice(0, MAX_REPORT_MEMBERS);
    const messages = await readCampaignMessages(db, members.map((m) => m.queueId), registrableDomain);
    const orgRows = await db.selectFrom('organizations').select(['id', 'name', 'country', 'sector']).execute();
    const organizations = new Map(orgRows.map((o) => [Number(o.id), { name: o.name, ...(o.country === null ? {} : { country: o.country }), ...(o.sector === null ? {} : { sector: o.sector }) }]));
    const lookup = await options.geo().catch((error: unknown) => {
      logger.warn({ err: error }, 'country database unavailable; sender countries are unknown in this report');
      return (): string | undefined => undefined;
    });
    // Stored evidence is JSON written by this version or an older one: keep the kinds the report knows.
    const evidence = new Map(members.map((m) => [m.queueId, m.evidence.map((e) => e.kind).filter(isEvidenceKind)]));
    const report = buildCampaignReport({
      campaign: { id: campaign.id, name: campaign.name, ...(campaign.actor === undefined ? {} : { actor: campaign.actor }), createdAt: campaign.createdAt },
      messages,
      organizations,
      senderCountry: lookup,
      evidence,
    });
    return { campaign, members, messages, report, organizationNames: new Map(orgRows.map((o) => [Number(o.id), o.name])) };
  }

  const report = async (id: number): Promise<CampaignReport | undefined> => (await load(id))?.report;

  const exportCsv = async (id: number): Promise<string | undefined> => {
    const r = await report(id);
    return r === undefined ? undefined : campaignReportCsv(r);
  };
  const exportStix = async (id: number): Promise<object | undefined> => {
    const r = await report(id);
    return r === undefined ? undefined : campaignReportStix(r, { now: now().toISOString(), identityName: config.node.hostname });
  };

  const rename = (id: number, name: string, by: string): Promise<CampaignRecord | undefined> => store.rename(id, name, by, now());
  const attribute = (id: number, actor: string | undefined, by: string): Promise<CampaignRecord | undefined> => store.attribute(id, actor, by, now());
  const merge = (into: number, from: readonly number[], by: string): Promise<CampaignRecord> => store.merge(into, from, by, now());
  const split = (id: number, queueIds: readonly string[], opts: { name?: string; by: string }): Promise<CampaignRecord> => store.split(id, queueIds, { ...opts, at: now() });

  const port: CampaignPort = {
    list: async (query) => (await store.list({ limit: query.limit, ...(query.beforeId === undefined ? {} : { beforeId: query.beforeId }) })).map(toSummary),
    async detail(id): Promise<CampaignDetailView | undefined> {
      const loaded = await load(id);
      if (loaded === undefined) return undefined;
      const messages = new Map(loaded.messages.map((m) => [m.queueId, m]));
      return {
        campaign: toView(loaded.campaign),
        report: loaded.report,
        members: loaded.members.map((member) => {
          const m = messages.get(member.queueId);
          return {
            queueId: member.queueId,
            organization: loaded.organizationNames.get(member.organizationId) ?? String(member.organizationId),
            receivedAt: member.receivedAt,
            ...(m?.subject === undefined ? {} : { subject: m.subject }),
            action: m?.action ?? 'unknown',
            status: m?.status ?? 'unknown',
            evidence: member.evidence,
          };
        }),
      };
    },
    exportCsv,
    exportStix,
    async update(id, change, by) {
      let record = await store.get(id);
      if (record === undefined) return undefined;
      if (change.name !== undefined) record = await rename(id, change.name, by);
      if (record !== undefined && change.actor !== undefined) record = await attribute(id, change.actor, by);
      return record === undefined ? undefined : toView(record);
    },
    merge: async (into, from, by) => toView(await merge(into, from, by)),
    split: async (id, queueIds, opts) => toView(await split(id, queueIds, { ...(opts.name === undefined ? {} : { name: opts.name }), by: opts.by })),
    async recluster(by) {
      const summary = await recluster({ by });
      return { campaigns: summary.campaigns, members: summary.members, elapsedMs: summary.elapsedMs };
    },
  };

  return {
    recluster,
    list: (o = {}) => store.list(o),
    get: (id) => store.get(id),
    report,
    exportCsv,
    exportStix,
    rename,
    attribute,
    merge,
    split,
    port,
    store,
    start() {
      const seconds = config.campaigns.intervalSeconds;
      if (seconds === 0 || timer !== undefined) return;
      const intervalMs = seconds * 1000;
      // One node of a cluster reclusters for all, once per interval, whichever node's timer fires first.
      const scheduled = async (): Promise<void> => {
        const started = now();
        const claimed = await leases.claim(RECLUSTER_JOB, config.node.id, {
          now: started,
          until: new Date(started.getTime() + intervalMs + RECLUSTER_LEASE_MARGIN_MS),
          dueBefore: new Date(started.getTime() - intervalMs * RECLUSTER_DUE_FRACTION),
        });
        if (!claimed) {
          logger.debug('campaign reclustering skipped: another node ran it this interval or is running it');
          return;
        }
        try {
          await recluster();
        } finally {
          await leases.finish(RECLUSTER_JOB, config.node.id, now());
        }
      };
      timer = setInterval(() => {
        // A timer run never queues behind another: if one is still running, this tick is skipped.
        if (running !== undefined) return;
        scheduled().catch((error: unknown) => logger.warn({ err: error }, 'campaign reclustering failed; the campaigns stay as they were'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
