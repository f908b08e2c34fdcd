/**
 * The clustering input for a time window, read from the message log: the
 * suspicious messages (verdict not deliver, or a finding of severity high or
 * critical) plus the unsuspicious ones that share an attachment hash, a URL
 * host, an exact lure fingerprint or the client IP with one of them, each found
 * through its `(key, received_at, queue_id)` index. Shapes match
 * `campaigns/`'s CampaignMessage (storage does not import campaigns/).
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { chunk } from './limits.js';

/** One logged message as clustering and reports read it (structurally `campaigns/`' CampaignMessage). */
export interface CampaignMessageRow {
  readonly queueId: string;
  readonly organizationId: number;
  readonly receivedAt: string;
  readonly action: string;
  readonly status: string;
  readonly suspicious: boolean;
  readonly clientIp: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly senderDomain: string;
  readonly subject?: string;
  readonly lureFingerprint?: string;
  readonly recipients: readonly string[];
  readonly attachments: readonly { readonly sha256: string; readonly name?: string; readonly type?: string }[];
  readonly urlDomains: readonly string[];
  readonly findings: readonly { readonly symbol: string; readonly detail: string; readonly severity: string }[];
}

export interface ClusterInputOptions {
  readonly since: Date;
  readonly until: Date;
  /**
   * Most messages read (suspicious and related together): a 90-day window of a
   * big installation must not load the whole log into one process. 200,000
   * messages with their children take about 400 MB of heap at the most.
   */
  readonly maxMessages?: number;
  /**
   * Most related messages taken per shared key: a key found in thousands of
   * clean messages (a big provider's outbound IP, a CDN host) is too common to
   * be evidence, and the clustering's prevalence limit drops it anyway.
   */
  readonly maxPerKey?: number;
  /** Host → registrable domain (`analysis/`'s, injected by `app/`: storage does not import analysis). */
  readonly registrableDomain: (host: string) => string;
}

export interface ClusterInput {
  readonly messages: readonly CampaignMessageRow[];
  readonly suspicious: number;
  /** True when `maxMessages` cut the input: the newest suspicious messages of the window, then related ones, were kept. */
  readonly capped: boolean;
  /**
   * Where the clustered part of the window starts: `since`, or (suspicious messages cut) just after the oldest
   * one kept. Saving must not treat the unread older part as "in no cluster any more".
   */
  readonly clusteredSince: Date;
}

export const DEFAULT_MAX_CLUSTER_MESSAGES = 200_000;
export const DEFAULT_MAX_PER_KEY = 1000;
const SUSPICIOUS_SEVERITIES = ['high', 'critical'] as const;
/** Per message, children kept: a hostile message with 10,000 URLs must not dominate the input. */
const MAX_CHILDREN_PER_MESSAGE = 200;

/** `com.example.mail` → `mail.example.com`. */
function hostOfReversed(reversed: string): string {
  return reversed.split('.').reverse().join('.');
}

/** Reads the given messages with their recipients, attachments, URL domains and findings, in queue-id order. */
export async function readCampaignMessages(db: Kysely<Database>, queueIds: readonly string[], registrableDomain: (host: string) => string): Promise<CampaignMessageRow[]> {
  const out: CampaignMessageRow[] = [];
  for (const ids of chunk([...new Set(queueIds)].sort())) {
    const [messages, recipients, artifacts, urls, findings] = await Promise.all([
      db
        .selectFrom('messages')
        .select(['queue_id', 'organization_id', 'received_at', 'action', 'status', 'client_ip', 'helo', 'mail_from', 'sender_domain', 'subject', 'lure_simhash'])
        .where('queue_id', 'in', ids)
        .execute(),
      db.selectFrom('message_recipients').select(['queue_id', 'recipient']).where('queue_id', 'in', ids).execute(),
      // Files only (attachments, archive members): body text parts are not artifacts an analyst calls "the lure's attachment".
      db
        .selectFrom('artifacts')
        .select(['queue_id', 'sha256', 'declared_name', 'declared_type', 'detected_type'])
        .where('queue_id', 'in', ids)
        .where((eb) => eb.or([eb('declared_name', 'is not', null), eb('disposition', '=', 'attachment')]))
        .execute(),
      db.selectFrom('message_urls').select(['queue_id', 'host_reversed']).where('queue_id', 'in', ids).execute(),
      db.selectFrom('findings').select(['queue_id', 'symbol', 'detail', 'severity']).where('queue_id', 'in', ids).execute(),
    ]);
    const group = <T extends { queue_id: string }>(rows: readonly T[]): Map<string, T[]> => {
      const map = new Map<string, T[]>();
      for (const row of rows) {
        const list = map.get(row.queue_id) ?? [];
        if (list.length < MAX_CHILDREN_PER_MESSAGE) list.push(row);
        map.set(row.queue_id, list);
      }
      return map;
    };
    const byRecipient = group(recipients);
    const byArtifact = group(artifacts);
    const byUrl = group(urls);
    const byFinding = group(findings);
    for (const m of messages.sort((a, b) => (a.queue_id < b.queue_id ? -1 : 1))) {
      const found = byFinding.get(m.queue_id) ?? [];
      const domains = [...new Set((byUrl.get(m.queue_id) ?? []).map((u) => registrableDomain(hostOfReversed(u.host_reversed))))];
      out.push({
        queueId: m.queue_id,
        organizationId: Number(m.organization_id),
        receivedAt: m.received_at,
        action: m.action,
        status: m.status,
        suspicious: m.action !== 'deliver' || found.some((f) => (SUSPICIOUS_SEVERITIES as readonly string[]).includes(f.severity)),
        clientIp: m.client_ip,
        helo: m.helo,
        mailFrom: m.mail_from,
        senderDomain: m.sender_domain,
        ...(m.subject === null ? {} : { subject: m.subject }),
        ...(m.lure_simhash === null ? {} : { lureFingerprint: m.lure_simhash }),
        recipients: (byRecipient.get(m.queue_id) ?? []).map((r) => r.recipient),
        attachments: (byArtifact.get(m.queue_id) ?? []).map((a) => ({
          sha256: a.sha256,
          ...(a.declared_name === null ? {} : { name: a.declared_name }),
          type: a.detected_type ?? a.declared_type,
        })),
        urlDomains: domains,
        findings: found.map((f) => ({ symbol: f.symbol, detail: f.detail, severity: f.severity })),
      });
    }
  }
  return out;
}

/** Reads the clustering input of a window (see the module header). */
export async function readClusterInput(db: Kysely<Database>, options: ClusterInputOptions): Promise<ClusterInput> {
  const since = options.since.toISOString();
  const until = options.until.toISOString();
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_CLUSTER_MESSAGES;
  const maxPerKey = options.maxPerKey ?? DEFAULT_MAX_PER_KEY;

  // A scan of the window on messages_received_at; the finding probe is one findings_queue_id lookup per message.
  const suspiciousRows = await db
    .selectFrom('messages as m')
    .select(['m.queue_id', 'm.client_ip', 'm.lure_simhash', 'm.received_at'])
    .where('m.received_at', '>=', since)
    .where('m.received_at', '<', until)
    .where((eb) =>
      eb.or([
        eb('m.action', '!=', 'deliver'),
        eb.exists(eb.selectFrom('findings as f').select('f.queue_id').whereRef('f.queue_id', '=', 'm.queue_id').where('f.severity', 'in', [...SUSPICIOUS_SEVERITIES])),
      ]),
    )
    // Newest first: when the window holds more than can be clustered, the recent activity is what matters.
    .orderBy('m.received_at', 'desc')
    .orderBy('m.queue_id', 'desc')
    .limit(maxMessages + 1)
    .execute();
  let capped = suspiciousRows.length > maxMessages;
  const suspicious = suspiciousRows.slice(0, maxMessages);
  const oldestKept = suspicious.at(-1);
  const clusteredSince = capped && oldestKept !== undefined ? new Date(Date.parse(oldestKept.received_at) + 1) : options.since;
  const ids = new Set(suspicious.map((r) => r.queue_id));

  const hashes = new Set<string>();
  const hosts = new Set<string>();
  for (const part of chunk([...ids])) {
    const [artifacts, urls] = await Promise.all([
      db.selectFrom('artifacts').select('sha256').distinct().where('queue_id', 'in', part).where((eb) => eb.or([eb('declared_name', 'is not', null), eb('disposition', '=', 'attachment')])).execute(),
      db.selectFrom('message_urls').select('host_reversed').distinct().where('queue_id', 'in', part).execute(),
    ]);
    for (const a of artifacts) hashes.add(a.sha256);
    for (const u of urls) hosts.add(u.host_reversed);
  }
  const lures = new Set(suspicious.flatMap((r) => (r.lure_simhash === null ? [] : [r.lure_simhash])));
  const addresses = new Set(suspicious.map((r) => r.client_ip));

  const add = (rows: readonly { queue_id: string }[]): boolean => {
    for (const row of rows) {
      if (ids.has(row.queue_id)) continue;
      if (ids.size >= maxMessages) return false;
      ids.add(row.queue_id);
    }
    return true;
  };
  // Each lookup walks its (key, received_at, queue_id) index within the window, at most maxPerKey entries.
  const lookups: (() => Promise<readonly { queue_id: string }[]>)[] = [
    ...[...hashes].map((sha256) => () => db.selectFrom('artifacts').select('queue_id').where('sha256', '=', sha256).where('received_at', '>=', since).where('received_at', '<', until).limit(maxPerKey).execute()),
    ...[...hosts].map((host) => () => db.selectFrom('message_urls').select('queue_id').where('host_reversed', '=', host).where('received_at', '>=', since).where('received_at', '<', until).limit(maxPerKey).execute()),
    ...[...lures].map((lure) => () => db.selectFrom('messages').select('queue_id').where('lure_simhash', '=', lure).where('received_at', '>=', since).where('received_at', '<', until).limit(maxPerKey).execute()),
    ...[...addresses].map((ip) => () => db.selectFrom('messages').select('queue_id').where('client_ip', '=', ip).where('received_at', '>=', since).where('received_at', '<', until).limit(maxPerKey).execute()),
  ];
  for (const lookup of lookups) {
    if (!add(await lookup())) {
      capped = true;
      break;
    }
  }
  const messages = await readCampaignMessages(db, [...ids], options.registrableDomain);
  return { messages, suspicious: suspicious.length, capped, clusteredSince };
}
