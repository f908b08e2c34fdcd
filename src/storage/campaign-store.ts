/**
 * Campaigns kept in the database (0018): the clusters `campaigns/` finds,
 * persisted so that an analyst's work survives the next reclustering.
 *
 * Reclustering (`saveClusters`) keeps identities: a cluster takes the active
 * campaign with its key, else the one holding most of its (unpinned) members,
 * else the one holding most of its pinned members, else a new one. So a
 * campaign that grows keeps its id and name. Members an analyst placed
 * (merge, split) are pinned and never moved; merged campaigns stay merged.
 * Only members received inside the reclustered window are re-decided: older
 * members stay where they are.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import { MoatError } from '../core/index.js';
import type { CampaignEventKind, CampaignStatus, Database } from './database.js';
import { chunk, clampLimit } from './limits.js';

/** Why a message is in its campaign (structurally `campaigns/`' MembershipEvidence). */
export interface StoredEvidence {
  readonly kind: string;
  readonly key: string;
  readonly withQueueId: string;
  readonly detail: string;
}

/** A cluster to persist (structurally `campaigns/`' CampaignCluster). */
export interface ClusterToSave {
  readonly key: string;
  readonly members: readonly { readonly queueId: string; readonly evidence: readonly StoredEvidence[] }[];
}

export interface CampaignRecord {
  readonly id: number;
  readonly name: string;
  readonly actor?: string;
  readonly status: CampaignStatus;
  readonly mergedInto?: number;
  readonly clusterKey: string;
  readonly pinnedName: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly messages: number;
  readonly organizations: number;
}

export interface CampaignListRow extends CampaignRecord {
  /** Distinct countries of the member organizations (configured ones). */
  readonly countries: number;
  readonly delivered: number;
  readonly blocked: number;
}

export interface CampaignMemberRecord {
  readonly queueId: string;
  readonly organizationId: number;
  readonly receivedAt: string;
  readonly evidence: readonly StoredEvidence[];
  readonly pinned: boolean;
}

export interface CampaignEventRecord {
  readonly id: number;
  readonly at: string;
  readonly by: string;
  readonly kind: CampaignEventKind;
  readonly detail?: unknown;
}

export interface SaveClustersOptions {
  /** The window reclustered: members received in it and not in any cluster leave their campaign (unless pinned). */
  readonly since: Date;
  readonly until: Date;
  readonly at: Date;
  readonly by: string;
  /** Name of a new campaign (from the cluster's messages). */
  readonly nameOf: (cluster: ClusterToSave) => string;
}

export interface SaveClustersResult {
  readonly campaigns: number;
  readonly created: number;
  readonly members: number;
  readonly removed: number;
}

export interface CampaignStore {
  saveClusters(clusters: readonly ClusterToSave[], options: SaveClustersOptions): Promise<SaveClustersResult>;
  /** Active and merged campaigns, newest activity first; keyset paging by id under the same last_seen order. */
  list(options?: { limit?: number; beforeId?: number; status?: CampaignStatus }): Promise<CampaignListRow[]>;
  get(id: number): Promise<CampaignRecord | undefined>;
  members(id: number): Promise<CampaignMemberRecord[]>;
  events(id: number): Promise<CampaignEventRecord[]>;
  rename(id: number, name: string, by: string, at: Date): Promise<CampaignRecord | undefined>;
  attribute(id: number, actor: string | undefined, by: string, at: Date): Promise<CampaignRecord | undefined>;
  /** Moves every member of `from` into `into` (pinned) and marks them merged; returns `into`. */
  merge(into: number, from: readonly number[], by: string, at: Date): Promise<CampaignRecord>;
  /** Moves the given members into a new campaign (pinned); returns it. */
  split(id: number, queueIds: readonly string[], options: { name?: string; by: string; at: Date }): Promise<CampaignRecord>;
}

/** Campaign names and actors are labels typed by an analyst. */
export const MAX_CAMPAIGN_NAME_CHARS = 200;
/** Campaigns merged in one call; more is a mistake, not an analyst's judgement. */
export const MAX_MERGE_SOURCES = 100;
/** Members split off in one call. */
export const MAX_SPLIT_MEMBERS = 10_000;
/** Evidence kept per member, JSON: the first few reasons say enough. */
const MAX_EVIDENCE_PER_MEMBER = 20;

type Db = Kysely<Database> | Transaction<Database>;

function toRecord(row: CampaignRow): CampaignRecord {
  return {
    id: Number(row.id),
    name: row.name,
    ...(row.actor === null ? {} : { actor: row.actor }),
    status: row.status,
    ...(row.merged_into === null ? {} : { mergedInto: Number(row.merged_into) }),
    clusterKey: row.cluster_key,
    pinnedName: Number(row.pinned_name) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    messages: Number(row.messages),
    organizations: Number(row.organizations),
  };
}

interface CampaignRow {
  id: number;
  name: string;
  actor: string | null;
  status: CampaignStatus;
  merged_into: number | null;
  cluster_key: string;
  pinned_name: number;
  created_at: string;
  updated_at: string;
  first_seen: string;
  last_seen: string;
  messages: number;
  organizations: number;
}

function checkLabel(what: string, value: string): string {
  const text = value.trim();
  if (text === '' || text.length > MAX_CAMPAIGN_NAME_CHARS || /[\u0000-\u001f\u007f]/u.test(text)) {
    throw new MoatError('CAMPAIGN_INVALID', `${what} must be 1-${String(MAX_CAMPAIGN_NAME_CHARS)} printable characters`);
  }
  return text;
}

function parseEvidence(text: string): StoredEvidence[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as StoredEvidence[]) : [];
  } catch {
    return [];
  }
}

async function readCampaign(db: Db, id: number): Promise<CampaignRecord | undefined> {
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row as CampaignRow);
}

async function addEvent(db: Db, campaignId: number, kind: CampaignEventKind, by: string, at: Date, detail?: unknown): Promise<void> {
  await db
    .insertInto('campaign_events')
    .values({ campaign_id: campaignId, at: at.toISOString(), by: by.slice(0, MAX_CAMPAIGN_NAME_CHARS), kind, detail: detail === undefined ? null : JSON.stringify(detail).slice(0, 4000) })
    .execute();
}

/** Recomputes a campaign's counts and first/last seen from its members. */
async function refreshCounts(db: Db, id: number, at: Date): Promise<number> {
  const row = await db
    .selectFrom('campaign_members')
    .select((eb) => [eb.fn.countAll<number | string>().as('messages'), eb.fn.count<number | string>('organization_id').distinct().as('organizations'), eb.fn.min('received_at').as('first'), eb.fn.max('received_at').as('last')])
    .where('campaign_id', '=', id)
    .executeTakeFirstOrThrow();
  const messages = Number(row.messages);
  await db
    .updateTable('campaigns')
    .set({
      messages,
      organizations: Number(row.organizations),
      ...(row.first === null ? {} : { first_seen: row.first }),
      ...(row.last === null ? {} : { last_seen: row.last }),
      updated_at: at.toISOString(),
    })
    .where('id', '=', id)
    .execute();
  return messages;
}

async function insertMembers(db: Db, campaignId: number, members: readonly { queueId: string; evidence: readonly StoredEvidence[] }[], pinned: boolean, at: Date): Promise<number> {
  let inserted = 0;
  for (const part of chunk(members)) {
    const found = await db.selectFrom('messages').select(['queue_id', 'organization_id', 'received_at']).where('queue_id', 'in', part.map((m) => m.queueId)).execute();
    const byId = new Map(found.map((m) => [m.queue_id, m]));
    const rows = part.flatMap((m) => {
      const message = byId.get(m.queueId);
      // A member whose message retention purged meanwhile is skipped (the foreign key would refuse it).
      return message === undefined
        ? []
        : [{ campaign_id: campaignId, queue_id: m.queueId, organization_id: Number(message.organization_id), received_at: message.received_at, evidence: JSON.stringify(m.evidence.slice(0, MAX_EVIDENCE_PER_MEMBER)), pinned: pinned ? 1 : 0, added_at: at.toISOString() }];
    });
    if (rows.length > 0) await db.insertInto('campaign_members').values(rows).execute();
    inserted += rows.length;
  }
  return inserted;
}

/** Creates the campaign store over a migrated database. */
export function createCampaignStore(db: Kysely<Database>): CampaignStore {
  async function saveClusters(clusters: readonly ClusterToSave[], options: SaveClustersOptions): Promise<SaveClustersResult> {
    const since = options.since.toISOString();
    const until = options.until.toISOString();
    const at = options.at;
    return db.transaction().execute(async (trx) => {
      // Two nodes reclustering at once would each match clusters against rows the other is rewriting:
      // on PostgreSQL saves take turns (SQLite has one writer anyway).
      if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_advisory_xact_lock(hashtextextended('moat-campaigns', 0))`.execute(trx);
      const clusterIds = [...new Set(clusters.flatMap((c) => c.members.map((m) => m.queueId)))];
      // Where each clustered message is now, and whether an analyst pinned it there.
      const current = new Map<string, { campaignId: number; pinned: boolean; evidence: string }>();
      for (const part of chunk(clusterIds)) {
        const rows = await trx.selectFrom('campaign_members').select(['queue_id', 'campaign_id', 'pinned', 'evidence']).where('queue_id', 'in', part).execute();
        for (const r of rows) current.set(r.queue_id, { campaignId: Number(r.campaign_id), pinned: Number(r.pinned) === 1, evidence: r.evidence });
      }
      const active = await trx.selectFrom('campaigns').select(['id', 'cluster_key']).where('status', '=', 'active').execute();
      const byKey = new Map(active.map((c) => [c.cluster_key, Number(c.id)]));
      const activeIds = new Set(active.map((c) => Number(c.id)));

      // Key matches first, so that an overlap match never takes a campaign another cluster names by key.
      const assigned = new Map<ClusterToSave, number>();
      const taken = new Set<number>();
      for (const cluster of clusters) {
        const id = byKey.get(cluster.key);
        if (id !== undefined && !taken.has(id)) {
          assigned.set(cluster, id);
          taken.add(id);
        }
      }
      const mostOf = (cluster: ClusterToSave, pinned: boolean): number | undefined => {
        const counts = new Map<number, number>();
        for (const m of cluster.members) {
          const where = current.get(m.queueId);
          if (where !== undefined && where.pinned === pinned && activeIds.has(where.campaignId) && !taken.has(where.campaignId)) counts.set(where.campaignId, (counts.get(where.campaignId) ?? 0) + 1);
        }
        // Most members; on a tie the oldest campaign (smallest id), so the answer does not depend on map order.
        return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
      };
      for (const cluster of clusters) {
        if (assigned.has(cluster)) continue;
        const id = mostOf(cluster, false) ?? mostOf(cluster, true);
        if (id !== undefined) {
          assigned.set(cluster, id);
          taken.add(id);
        }
      }

      // Matched campaigns take their cluster's key; parked first on a key no cluster has, so no two active rows share one mid-way.
      for (const id of taken) await trx.updateTable('campaigns').set({ cluster_key: `#${String(id)}` }).where('id', '=', id).execute();
      let created = 0;
      let members = 0;
      let removed = 0;
      const touched = new Set<number>();
      for (const cluster of clusters) {
        const free = cluster.members.filter((m) => current.get(m.queueId)?.pinned !== true);
        let id = assigned.get(cluster);
        if (id === undefined) {
          if (free.length === 0) continue;
          const first = await trx
            .insertInto('campaigns')
            .values({
              name: checkLabel('name', options.nameOf(cluster).slice(0, MAX_CAMPAIGN_NAME_CHARS)),
              actor: null,
              status: 'active',
              merged_into: null,
              cluster_key: cluster.key,
              pinned_name: 0,
              created_at: at.toISOString(),
              updated_at: at.toISOString(),
              first_seen: at.toISOString(),
              last_seen: at.toISOString(),
              messages: 0,
              organizations: 0,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          id = Number(first.id);
          created += 1;
          await addEvent(trx, id, 'created', options.by, at, { key: cluster.key, members: free.length });
        } else {
          await trx.updateTable('campaigns').set({ cluster_key: cluster.key }).where('id', '=', id).execute();
        }
        const campaignId = id;
        touched.add(campaignId);
        const keep = new Set(free.map((m) => m.queueId));
        // Unpinned members of this campaign, in the window, that the clustering no longer puts here.
        const stale = await trx
          .selectFrom('campaign_members')
          .select('queue_id')
          .where('campaign_id', '=', campaignId)
          .where('pinned', '=', 0)
          .where('received_at', '>=', since)
          .where('received_at', '<', until)
          .execute();
        const leaving = stale.map((r) => r.queue_id).filter((q) => !keep.has(q));
        for (const part of chunk(leaving)) await trx.deleteFrom('campaign_members').where('campaign_id', '=', campaignId).where('queue_id', 'in', part).execute();
        removed += leaving.length;
        // Members move here from wherever they were unpinned (a message is in one campaign at most).
        const moving = free.filter((m) => current.get(m.queueId)?.campaignId !== campaignId);
        for (const part of chunk(moving.map((m) => m.queueId))) await trx.deleteFrom('campaign_members').where('queue_id', 'in', part).where('pinned', '=', 0).execute();
        for (const m of moving) {
          const from = current.get(m.queueId)?.campaignId;
          if (from !== undefined) touched.add(from);
        }
        members += await insertMembers(trx, campaignId, moving, false, at);
        // Evidence of members that stayed is refreshed (the cluster may have grown around them).
        // Only where it changed: a rerun over an unchanged window writes nothing (one UPDATE per member is minutes at 100,000s).
        for (const m of free) {
          const was = current.get(m.queueId);
          if (was?.campaignId !== campaignId) continue;
          const evidence = JSON.stringify(m.evidence.slice(0, MAX_EVIDENCE_PER_MEMBER));
          if (evidence !== was.evidence) await trx.updateTable('campaign_members').set({ evidence }).where('queue_id', '=', m.queueId).execute();
        }
        if (assigned.has(cluster) && (leaving.length > 0 || moving.length > 0)) await addEvent(trx, campaignId, 'reclustered', options.by, at, { added: moving.length, removed: leaving.length });
      }

      // Active campaigns no cluster matched lose their unpinned members of the window.
      for (const id of activeIds) {
        if (taken.has(id)) continue;
        const gone = await trx.deleteFrom('campaign_members').where('campaign_id', '=', id).where('pinned', '=', 0).where('received_at', '>=', since).where('received_at', '<', until).executeTakeFirst();
        const count = Number(gone.numDeletedRows);
        if (count > 0) {
          removed += count;
          touched.add(id);
          await addEvent(trx, id, 'reclustered', options.by, at, { added: 0, removed: count });
        }
      }
      let campaigns = 0;
      for (const id of touched) {
        const left = await refreshCounts(trx, id, at);
        if (left > 0) {
          campaigns += 1;
          continue;
        }
        // Emptied: a campaign nobody worked on goes; one an analyst named, attributed or merged into stays for the history.
        const row = await trx.selectFrom('campaigns').select(['pinned_name', 'actor']).where('id', '=', id).executeTakeFirst();
        const referenced = await trx.selectFrom('campaigns').select('id').where('merged_into', '=', id).limit(1).executeTakeFirst();
        if (row !== undefined && Number(row.pinned_name) === 0 && row.actor === null && referenced === undefined) await trx.deleteFrom('campaigns').where('id', '=', id).execute();
      }
      return { campaigns, created, members, removed };
    });
  }

  async function list(options: { limit?: number; beforeId?: number; status?: CampaignStatus } = {}): Promise<CampaignListRow[]> {
    const limit = clampLimit(options.limit);
    let query = db.selectFrom('campaigns').selectAll();
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.beforeId !== undefined) {
      const anchor = await db.selectFrom('campaigns').select(['last_seen', 'id']).where('id', '=', options.beforeId).executeTakeFirst();
      if (anchor === undefined) return [];
      query = query.where((eb) => eb.or([eb('last_seen', '<', anchor.last_seen), eb.and([eb('last_seen', '=', anchor.last_seen), eb('id', '<', anchor.id)])]));
    }
    const rows = (await query.orderBy('last_seen', 'desc').orderBy('id', 'desc').limit(limit).execute()) as CampaignRow[];
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const figures = await db
      .selectFrom('campaign_members as c')
      .innerJoin('messages as m', 'm.queue_id', 'c.queue_id')
      .innerJoin('organizations as o', 'o.id', 'c.organization_id')
      .select((eb) => [
        'c.campaign_id',
        eb.fn.count<number | string>('o.country').distinct().as('countries'),
        eb.fn.sum<number | string | null>(eb.case().when('m.status', '=', 'delivered').then(1).when(eb.and([eb('m.status', 'not in', ['quarantined', 'rejected']), eb('m.action', 'in', ['deliver', 'tag'])])).then(1).else(0).end()).as('delivered'),
        eb.fn.sum<number | string | null>(eb.case().when(eb.or([eb('m.action', 'in', ['reject', 'quarantine', 'defer']), eb('m.status', 'in', ['quarantined', 'rejected'])])).then(1).else(0).end()).as('blocked'),
      ])
      .where('c.campaign_id', 'in', ids)
      .groupBy('c.campaign_id')
      .execute();
    // PostgreSQL returns COUNT/SUM as bigint strings.
    const byId = new Map(figures.map((f) => [Number(f.campaign_id), { countries: Number(f.countries), delivered: Number(f.delivered ?? 0), blocked: Number(f.blocked ?? 0) }]));
    return rows.map((r) => ({ ...toRecord(r), ...(byId.get(Number(r.id)) ?? { countries: 0, delivered: 0, blocked: 0 }) }));
  }

  async function members(id: number): Promise<CampaignMemberRecord[]> {
    const rows = await db.selectFrom('campaign_members').select(['queue_id', 'organization_id', 'received_at', 'evidence', 'pinned']).where('campaign_id', '=', id).orderBy('received_at').orderBy('queue_id').execute();
    return rows.map((r) => ({ queueId: r.queue_id, organizationId: Number(r.organization_id), receivedAt: r.received_at, evidence: parseEvidence(r.evidence), pinned: Number(r.pinned) === 1 }));
  }

  async function events(id: number): Promise<CampaignEventRecord[]> {
    const rows = await db.selectFrom('campaign_events').selectAll().where('campaign_id', '=', id).orderBy('id').execute();
    return rows.map((r) => {
      let detail: unknown;
      try {
        detail = r.detail === null ? undefined : JSON.parse(r.detail);
      } catch {
        detail = r.detail;
      }
      return { id: Number(r.id), at: r.at, by: r.by, kind: r.kind, ...(detail === undefined ? {} : { detail }) };
    });
  }

  async function rename(id: number, name: string, by: string, at: Date): Promise<CampaignRecord | undefined> {
    const text = checkLabel('name', name);
    return db.transaction().execute(async (trx) => {
      const before = await readCampaign(trx, id);
      if (before === undefined) return undefined;
      await trx.updateTable('campaigns').set({ name: text, pinned_name: 1, updated_at: at.toISOString() }).where('id', '=', id).execute();
      await addEvent(trx, id, 'renamed', by, at, { from: before.name, to: text });
      return readCampaign(trx, id);
    });
  }

  async function attribute(id: number, actor: string | undefined, by: string, at: Date): Promise<CampaignRecord | undefined> {
    const text = actor === undefined || actor.trim() === '' ? null : checkLabel('actor', actor);
    return db.transaction().execute(async (trx) => {
      const before = await readCampaign(trx, id);
      if (before === undefined) return undefined;
      await trx.updateTable('campaigns').set({ actor: text, updated_at: at.toISOString() }).where('id', '=', id).execute();
      await addEvent(trx, id, 'attributed', by, at, { from: before.actor ?? null, to: text });
      return readCampaign(trx, id);
    });
  }

  async function merge(into: number, from: readonly number[], by: string, at: Date): Promise<CampaignRecord> {
    const sources = [...new Set(from)].filter((id) => id !== into);
    if (sources.length === 0 || sources.length > MAX_MERGE_SOURCES) throw new MoatError('CAMPAIGN_INVALID', `merge takes 1-${String(MAX_MERGE_SOURCES)} other campaigns`);
    return db.transaction().execute(async (trx) => {
      const target = await readCampaign(trx, into);
      if (target === undefined || target.status !== 'active') throw new MoatError('CAMPAIGN_NOT_FOUND', `no active campaign ${String(into)}`);
      const found = await trx.selectFrom('campaigns').select('id').where('id', 'in', sources).where('status', '=', 'active').execute();
      if (found.length !== sources.length) throw new MoatError('CAMPAIGN_NOT_FOUND', `not every campaign to merge exists and is active: ${sources.join(', ')}`);
      // Everything moved is pinned: the analyst said these belong together, reclustering does not undo it.
      await trx.updateTable('campaign_members').set({ campaign_id: into, pinned: 1 }).where('campaign_id', 'in', sources).execute();
      await trx.updateTable('campaigns').set({ status: 'merged', merged_into: into, updated_at: at.toISOString() }).where('id', 'in', sources).execute();
      for (const id of sources) {
        await refreshCounts(trx, id, at);
        await addEvent(trx, id, 'merged', by, at, { into });
      }
      await addEvent(trx, into, 'merged', by, at, { from: sources });
      await refreshCounts(trx, into, at);
      const merged = await readCampaign(trx, into);
      if (merged === undefined) throw new MoatError('CAMPAIGN_NOT_FOUND', `campaign ${String(into)} vanished during the merge`);
      return merged;
    });
  }

  async function split(id: number, queueIds: readonly string[], options: { name?: string; by: string; at: Date }): Promise<CampaignRecord> {
    const wanted = [...new Set(queueIds)];
    if (wanted.length === 0 || wanted.length > MAX_SPLIT_MEMBERS) throw new MoatError('CAMPAIGN_INVALID', `split takes 1-${String(MAX_SPLIT_MEMBERS)} members`);
    const name = options.name === undefined ? undefined : checkLabel('name', options.name);
    const at = options.at;
    return db.transaction().execute(async (trx) => {
      const source = await readCampaign(trx, id);
      if (source === undefined || source.status !== 'active') throw new MoatError('CAMPAIGN_NOT_FOUND', `no active campaign ${String(id)}`);
      const present: string[] = [];
      for (const part of chunk(wanted)) {
        const rows = await trx.selectFrom('campaign_members').select('queue_id').where('campaign_id', '=', id).where('queue_id', 'in', part).execute();
        present.push(...rows.map((r) => r.queue_id));
      }
      if (present.length !== wanted.length) throw new MoatError('CAMPAIGN_INVALID', `${String(wanted.length - present.length)} of the messages are not members of campaign ${String(id)}`);
      const remaining = await trx.selectFrom('campaign_members').select((eb) => eb.fn.countAll<number | string>().as('n')).where('campaign_id', '=', id).executeTakeFirstOrThrow();
      if (Number(remaining.n) === present.length) throw new MoatError('CAMPAIGN_INVALID', 'a split must leave members behind; rename the campaign instead');
      const first = await trx
        .insertInto('campaigns')
        .values({
          name: name ?? `${source.name} (split)`.slice(0, MAX_CAMPAIGN_NAME_CHARS),
          actor: source.actor ?? null,
          status: 'active',
          merged_into: null,
          // Never a cluster's key (those are queue ids): only overlap brings a cluster here.
          cluster_key: `split:${String(id)}:${present.sort()[0] ?? ''}:${at.toISOString()}`,
          pinned_name: name === undefined ? 0 : 1,
          created_at: at.toISOString(),
          updated_at: at.toISOString(),
          first_seen: at.toISOString(),
          last_seen: at.toISOString(),
          messages: 0,
          organizations: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const newId = Number(first.id);
      for (const part of chunk(present)) await trx.updateTable('campaign_members').set({ campaign_id: newId, pinned: 1 }).where('queue_id', 'in', part).execute();
      await addEvent(trx, newId, 'created', options.by, at, { splitFrom: id, members: present.length });
      await addEvent(trx, id, 'split', options.by, at, { into: newId, members: present.length });
      await refreshCounts(trx, id, at);
      await refreshCounts(trx, newId, at);
      const created = await readCampaign(trx, newId);
      if (created === undefined) throw new MoatError('CAMPAIGN_NOT_FOUND', 'the new campaign vanished during the split');
      return created;
    });
  }

  return { saveClusters, list, get: (id) => readCampaign(db, id), members, events, rename, attribute, merge, split };
}
