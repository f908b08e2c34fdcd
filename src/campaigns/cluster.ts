/**
 * Campaign clustering: union-find over evidence shared between logged messages (README.md has the
 * rules). Suspicious messages seed clusters; a delivered (non-suspicious) message joins only on strong
 * evidence, so the missed members of a campaign are found and clean mail is not swept in. Every member
 * is explained by at least one MembershipEvidence naming the key and the member it shares it with.
 * Pure and deterministic: the same messages in any order give the same clusters.
 */
import { isLureFingerprint, lureDistance } from '../core/index.js';
import { detectionLabels } from './detections.js';
import { heloKey, senderNetwork } from './infrastructure.js';

/** One logged message, as evidence. */
export interface CampaignMessage {
  readonly queueId: string;
  readonly organizationId: number;
  /** ISO 8601 UTC. */
  readonly receivedAt: string;
  /** Verdict: deliver | tag | quarantine | reject | defer ... */
  readonly action: string;
  /** messages.status (delivered, quarantined, rejected, ...). */
  readonly status: string;
  /** Verdict not deliver, or any finding of severity high/critical. */
  readonly suspicious: boolean;
  readonly clientIp: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly senderDomain: string;
  readonly subject?: string;
  readonly lureFingerprint?: string;
  readonly recipients: readonly string[];
  readonly attachments: readonly { readonly sha256: string; readonly name?: string; readonly type?: string }[];
  /** Registrable domains of the message's URLs. */
  readonly urlDomains: readonly string[];
  readonly findings: readonly { readonly symbol: string; readonly detail: string; readonly severity: string }[];
}

export type EvidenceKind = 'artifact' | 'detection+infrastructure' | 'lure' | 'url-domain';

/** Why a message is in its cluster. */
export interface MembershipEvidence {
  readonly kind: EvidenceKind;
  /** The sha256, 'YARA rule X @ 203.0.113.0/24', the lure fingerprint, the domain. */
  readonly key: string;
  /** A message of the cluster it shares the key with. */
  readonly withQueueId: string;
  /** One human sentence. */
  readonly detail: string;
}

export interface CampaignCluster {
  /** Stable: the smallest queueId of the cluster's suspicious members. */
  readonly key: string;
  /** Sorted by queueId. */
  readonly members: readonly { readonly queueId: string; readonly evidence: readonly MembershipEvidence[] }[];
}

export interface ClusterOptions {
  /** Smallest cluster reported; default 2 (and never less: one message is not a campaign). */
  minMembers?: number;
  /** Lure fingerprints this many bits apart or closer are near-identical; default 3, at most 3 (see README). */
  maxLureDistance?: number;
  /** A key carried by more than this fraction of the non-suspicious messages is ordinary mail (a hub); default 0.2. */
  maxKeyPrevalence?: number;
  /** Domains never used as keys (URL or sender domain); default DEFAULT_COMMON_DOMAINS. */
  commonDomains?: readonly string[];
}

/**
 * Platforms whose domains half of all legitimate mail links to or is sent from: sharing one says nothing.
 * The prevalence guard finds the installation's own hubs; this list covers small inputs.
 */
export const DEFAULT_COMMON_DOMAINS: readonly string[] = [
  'google.com', 'gmail.com', 'googlemail.com', 'googleapis.com', 'gstatic.com', 'youtube.com', 'microsoft.com', 'outlook.com',
  'hotmail.com', 'live.com', 'office.com', 'office365.com', 'sharepoint.com', 'onmicrosoft.com', 'windows.net', 'apple.com',
  'icloud.com', 'yahoo.com', 'aol.com', 'facebook.com', 'instagram.com', 'linkedin.com', 'twitter.com', 'x.com', 'amazon.com',
  'amazonaws.com', 'cloudfront.net', 'akamaihd.net', 'w3.org', 'schema.org', 'mailchimp.com', 'list-manage.com', 'sendgrid.net',
  'dropbox.com', 'github.com', 'wikipedia.org', 'zoom.us', 'gmx.net', 'web.de', 'mail.ru', 'yandex.ru', 'qq.com', '163.com',
];

// Bounds: the caller loads at most this many messages per run (a year of one installation's suspicious
// mail with its delivered neighbours); more is refused rather than run for minutes.
const MAX_MESSAGES = 2_000_000;
// Values read per message: more attachments, URL domains or recipients than this is itself hostile.
const MAX_VALUES_PER_MESSAGE = 200;
// A hub needs at least this many non-suspicious carriers: on a small input 20 % is one or two messages.
const MIN_HUB_CARRIERS = 3;
// A URL domain shared by more separately formed clusters than this is infrastructure (a CDN, a
// shortener, a hosting platform), not one campaign's.
const MAX_CLUSTER_SPAN = 3;
// Such a domain still joins carriers whose lures are similar, if not near-identical: a spam or phishing
// wave that varies its text per message (spun sentences, inserted names) links to one domain with lures
// 4-15 bits apart, while unrelated campaigns behind one shortener are ~32 bits apart (random pairs: 20+).
const SIMILAR_LURE_DISTANCE = 12;
// Carriers of one spanning domain compared pairwise at most: the comparison is quadratic.
const MAX_SIMILAR_LURE_CARRIERS = 1000;
// Distinct fingerprints compared pairwise in one LSH bucket; a bigger bucket is template mail (skipped).
const MAX_BUCKET_FINGERPRINTS = 2000;
// Evidence kept per member: enough to explain; a member of a huge cluster shares a key with everyone.
const MAX_EVIDENCE_PER_MEMBER = 10;
// Four bands of 16 bits: two fingerprints at most 3 bits apart agree exactly on at least one band.
const BANDS = 4;
const LSH_SAFE_DISTANCE = BANDS - 1;
// The SHA-256 of empty content: a not-extracted or empty part, never evidence.
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256 = /^[0-9a-f]{64}$/u;
const KIND_ORDER: readonly EvidenceKind[] = ['artifact', 'detection+infrastructure', 'lure', 'url-domain'];

interface Prepared {
  readonly message: CampaignMessage;
  readonly suspicious: boolean;
  readonly artifacts: ReadonlyMap<string, string>; // sha256 -> a name to show
  readonly detections: readonly string[];
  readonly infrastructure: readonly { readonly key: string; readonly label: string }[];
  readonly urlDomains: readonly string[];
  readonly fingerprint?: string;
}

/** Clusters messages into campaigns from shared evidence; sorted by key, members by queueId. */
export function clusterCampaigns(messages: readonly CampaignMessage[], options: ClusterOptions = {}): CampaignCluster[] {
  if (messages.length > MAX_MESSAGES) throw new RangeError(`clusterCampaigns: ${messages.length} messages, more than ${MAX_MESSAGES}`);
  const minMembers = Math.max(2, Math.floor(options.minMembers ?? 2));
  const maxDistance = Math.max(0, Math.min(LSH_SAFE_DISTANCE, Math.floor(options.maxLureDistance ?? LSH_SAFE_DISTANCE)));
  const prevalence = options.maxKeyPrevalence ?? 0.2;
  const common = new Set((options.commonDomains ?? DEFAULT_COMMON_DOMAINS).map((d) => d.toLowerCase()));

  const items = prepare(messages, common);
  const n = items.length;
  const nonSuspicious = items.reduce((sum, item) => sum + (item.suspicious ? 0 : 1), 0);
  const hubCount = (ordinary: number): boolean => ordinary >= MIN_HUB_CARRIERS && ordinary > prevalence * nonSuspicious;
  const isHub = (carriers: readonly number[]): boolean => hubCount(carriers.reduce((sum, i) => sum + ((items[i] as Prepared).suspicious ? 0 : 1), 0));
  const graph = createGraph(items);

  // Infrastructure values, detections and URL domains common in ordinary mail are not evidence of anything.
  const hubInfra = hubsOf(items, (item) => item.infrastructure.map((i) => i.key), hubCount);
  const hubDetections = hubsOf(items, (item) => item.detections, hubCount);
  const hubDomains = hubsOf(items, (item) => item.urlDomains, hubCount);

  // 1. Identical artifacts: suspicious carriers join each other; non-suspicious ones join them too.
  for (const [sha256, carriers] of group(items, (item) => [...item.artifacts.keys()])) {
    if (isHub(carriers)) continue;
    const seeds = carriers.filter((i) => (items[i] as Prepared).suspicious);
    const anchor = seeds[0];
    if (anchor === undefined) continue;
    for (const i of carriers) {
      if (i === anchor) continue;
      const name = (items[i] as Prepared).artifacts.get(sha256) ?? '';
      graph.link(i, anchor, 'artifact', sha256, (other) => `same attachment${name === '' ? '' : ` "${name}"`} (SHA-256 ${sha256.slice(0, 16)}…) as ${other}`);
    }
  }

  // 2. The same specific detection from shared infrastructure (suspicious messages only).
  const detectionKeys = (item: Prepared): string[] => {
    if (!item.suspicious) return [];
    const keys: string[] = [];
    for (const detection of item.detections) {
      if (hubDetections.has(detection)) continue;
      for (const infra of item.infrastructure) if (!hubInfra.has(infra.key)) keys.push(`${detection} @ ${infra.label}`);
    }
    return keys;
  };
  for (const [key, carriers] of group(items, detectionKeys)) {
    const anchor = carriers[0] as number;
    for (const i of carriers.slice(1)) graph.link(i, anchor, 'detection+infrastructure', key, (other) => `same detection from the same infrastructure (${key}) as ${other}`);
  }

  // 3. Near-identical lures.
  linkLures(items, graph, maxDistance, hubCount, new Set([...hubInfra, ...[...hubDomains].map((d) => `url:${d}`)]));

  // 4. Shared URL domains, unless the domain spans many clusters formed by the evidence above.
  const formed = graph.snapshotSizes();
  for (const [domain, carriers] of group(items, (item) => (item.suspicious ? item.urlDomains : []))) {
    if (hubDomains.has(domain)) continue;
    const spanned = new Set(carriers.map((i) => graph.find(i)).filter((root) => (formed[root] ?? 1) > 1));
    if (spanned.size > MAX_CLUSTER_SPAN) {
      linkSimilarLures(items, graph, domain, carriers);
      continue;
    }
    const anchor = carriers[0] as number;
    for (const i of carriers.slice(1)) graph.link(i, anchor, 'url-domain', domain, (other) => `links to the same domain ${domain} as ${other}`);
  }
  return graph.clusters(n, minMembers);
}

/**
 * Lure edges. Suspicious messages: exact fingerprint groups, then LSH candidates between their distinct
 * fingerprints, then the exact distance. A non-suspicious message looks its fingerprint up in the same
 * buckets and joins a suspicious carrier of a near lure that shares its infrastructure or a URL domain.
 */
function linkLures(items: readonly Prepared[], graph: Graph, maxDistance: number, isHub: (ordinary: number) => boolean, hubKeys: ReadonlySet<string>): void {
  // All fingerprints are counted: a non-suspicious message whose lure is a hub (a newsletter template) joins nothing.
  const hubs = hubsOf(items, (item) => (item.fingerprint === undefined ? [] : [item.fingerprint]), isHub, false);
  const bySuspicious = group(items, (item) => (item.suspicious && item.fingerprint !== undefined && !hubs.has(item.fingerprint) ? [item.fingerprint] : []));
  const fingerprints = [...bySuspicious.keys()];
  const indexOf = new Map(fingerprints.map((fp, index) => [fp, index]));
  const buckets = new Map<number, number[]>();
  if (maxDistance > 0) {
    fingerprints.forEach((fp, index) => {
      for (const bucket of bucketsOf(fp)) {
        const list = buckets.get(bucket);
        if (list === undefined) buckets.set(bucket, [index]);
        else list.push(index);
      }
    });
  }
  /** Suspicious fingerprints within maxDistance of fp (itself excluded), ascending by index. */
  const nearOf = (fp: string, self: number | undefined): { index: number; distance: number }[] => {
    if (maxDistance === 0) return [];
    const seen = new Set<number>();
    const near: { index: number; distance: number }[] = [];
    for (const bucket of bucketsOf(fp)) {
      const list = buckets.get(bucket);
      if (list === undefined || list.length > MAX_BUCKET_FINGERPRINTS) continue;
      for (const other of list) {
        if (other === self || seen.has(other)) continue;
        seen.add(other);
        const distance = lureDistance(fp, fingerprints[other] as string);
        if (distance <= maxDistance) near.push({ index: other, distance });
      }
    }
    return near.sort((a, b) => a.index - b.index);
  };
  // Per suspicious fingerprint: corroborating key (infrastructure, URL domain) -> its first suspicious carrier.
  const corroboration = new Map<number, Map<string, number>>();
  const corroborationOf = (index: number): Map<string, number> => {
    let map = corroboration.get(index);
    if (map === undefined) {
      map = new Map();
      for (const i of bySuspicious.get(fingerprints[index] as string) ?? []) for (const key of corroboratingKeys(items[i] as Prepared, hubKeys)) if (!map.has(key)) map.set(key, i);
      corroboration.set(index, map);
    }
    return map;
  };

  fingerprints.forEach((fp, index) => {
    const seeds = bySuspicious.get(fp) ?? [];
    const anchor = seeds[0] as number;
    for (const i of seeds.slice(1)) graph.link(i, anchor, 'lure', fp, (other) => `same lure text (fingerprint ${fp}) as ${other}`);
    for (const { index: other, distance } of nearOf(fp, index)) {
      if (other < index) continue;
      const theirs = (bySuspicious.get(fingerprints[other] as string) ?? [])[0] as number;
      graph.link(anchor, theirs, 'lure', fp, (q) => `near-identical lure (fingerprint ${fp}, ${distance} bits from ${fingerprints[other] ?? ''}) as ${q}`);
    }
  });

  items.forEach((item, i) => {
    const fp = item.fingerprint;
    if (item.suspicious || fp === undefined || hubs.has(fp)) return;
    const same = indexOf.get(fp);
    const candidates = [...(same === undefined ? [] : [{ index: same, distance: 0 }]), ...nearOf(fp, same)];
    if (candidates.length === 0) return;
    const keys = corroboratingKeys(item, hubKeys);
    for (const { index, distance } of candidates) {
      const map = corroborationOf(index);
      for (const key of keys) {
        const seed = map.get(key);
        if (seed === undefined) continue;
        const what = key.startsWith('url:') ? `links to ${key.slice(4)}` : `comes from ${key.slice(key.indexOf(':') + 1)}`;
        const how = distance === 0 ? 'the same lure text' : `a lure ${distance} bits from it`;
        graph.link(i, seed, 'lure', fingerprints[index] as string, (q) => `${how} (fingerprint ${fingerprints[index] ?? ''}) as ${q}, and ${what} like it`);
        return;
      }
    }
  });
}

/**
 * A URL domain too widely shared to join its carriers by itself joins those of them whose lures are
 * similar (at most SIMILAR_LURE_DISTANCE bits apart): two weak signals together are evidence.
 */
function linkSimilarLures(items: readonly Prepared[], graph: Graph, domain: string, carriers: readonly number[]): void {
  const withLure = carriers.filter((i) => (items[i] as Prepared).fingerprint !== undefined).slice(0, MAX_SIMILAR_LURE_CARRIERS);
  for (let a = 0; a < withLure.length; a++) {
    const i = withLure[a] as number;
    const fp = (items[i] as Prepared).fingerprint as string;
    for (let b = a + 1; b < withLure.length; b++) {
      const j = withLure[b] as number;
      if (graph.find(i) === graph.find(j)) continue;
      const theirs = (items[j] as Prepared).fingerprint as string;
      const distance = lureDistance(fp, theirs);
      if (distance <= SIMILAR_LURE_DISTANCE) {
        graph.link(j, i, 'url-domain', domain, (other) => `links to the same domain ${domain} as ${other}, with a similar lure (${distance} bits apart)`);
      }
    }
  }
}

/** The four LSH bucket numbers of a fingerprint: band number and the band's 16 bits. */
function bucketsOf(fp: string): number[] {
  const buckets: number[] = [];
  for (let band = 0; band < BANDS; band++) buckets.push(band * 0x10000 + Number.parseInt(fp.slice(band * 4, band * 4 + 4), 16));
  return buckets;
}

/** Keys that corroborate a lure match for a non-suspicious message: its infrastructure and URL domains. */
function corroboratingKeys(item: Prepared, hubKeys: ReadonlySet<string>): string[] {
  return [...item.infrastructure.map((i) => i.key), ...item.urlDomains.map((d) => `url:${d}`)].filter((key) => !hubKeys.has(key));
}

function prepare(messages: readonly CampaignMessage[], common: ReadonlySet<string>): Prepared[] {
  const unique = new Map<string, CampaignMessage>();
  for (const message of messages) if (!unique.has(message.queueId)) unique.set(message.queueId, message);
  return [...unique.values()]
    .sort((a, b) => compare(a.queueId, b.queueId))
    .map((message): Prepared => {
      const artifacts = new Map<string, string>();
      for (const a of message.attachments.slice(0, MAX_VALUES_PER_MESSAGE)) {
        const sha = a.sha256.toLowerCase();
        if (SHA256.test(sha) && sha !== EMPTY_SHA256 && !artifacts.has(sha)) artifacts.set(sha, a.name ?? '');
      }
      const infrastructure: { key: string; label: string }[] = [];
      const network = senderNetwork(message.clientIp);
      if (network !== undefined) infrastructure.push({ key: `net:${network}`, label: network });
      const helo = heloKey(message.helo);
      if (helo !== undefined) infrastructure.push({ key: `helo:${helo}`, label: `HELO ${helo}` });
      const domain = message.senderDomain.trim().toLowerCase();
      if (domain !== '' && !common.has(domain)) infrastructure.push({ key: `domain:${domain}`, label: `sender domain ${domain}` });
      const urlDomains = [...new Set(message.urlDomains.slice(0, MAX_VALUES_PER_MESSAGE).map((d) => d.trim().toLowerCase()))].filter((d) => d !== '' && !common.has(d)).sort();
      const fp = message.lureFingerprint;
      return {
        message,
        suspicious: message.suspicious,
        artifacts,
        detections: detectionLabels(message.findings),
        infrastructure,
        urlDomains,
        ...(fp !== undefined && isLureFingerprint(fp) ? { fingerprint: fp } : {}),
      };
    });
}

/** Key -> carrier indices (ascending, distinct), keys in first-seen order (deterministic: items are sorted). */
function group(items: readonly Prepared[], keysOf: (item: Prepared) => readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    for (const key of keysOf(item)) {
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [index]);
      else if (list[list.length - 1] !== index) list.push(index);
    }
  });
  return groups;
}

/**
 * Keys whose non-suspicious carriers make them hubs (counted, not listed). With `onlySuspiciousKeys`, only
 * keys some suspicious message carries are counted: no other key can join anything, and the count stays
 * proportional to the suspicious mail rather than to all mail.
 */
function hubsOf(items: readonly Prepared[], keysOf: (item: Prepared) => readonly string[], isHub: (ordinary: number) => boolean, onlySuspiciousKeys = true): Set<string> {
  const counts = new Map<string, number>();
  if (onlySuspiciousKeys) for (const item of items) if (item.suspicious) for (const key of keysOf(item)) counts.set(key, 0);
  for (const item of items) {
    if (item.suspicious) continue;
    for (const key of new Set(keysOf(item))) {
      const count = counts.get(key);
      if (count !== undefined) counts.set(key, count + 1);
      else if (!onlySuspiciousKeys) counts.set(key, 1);
    }
  }
  const hubs = new Set<string>();
  for (const [key, count] of counts) if (isHub(count)) hubs.add(key);
  return hubs;
}

interface Graph {
  link(i: number, j: number, kind: EvidenceKind, key: string, detail: (otherQueueId: string) => string): void;
  find(i: number): number;
  /** Component size per root index, as of now. */
  snapshotSizes(): Int32Array;
  clusters(n: number, minMembers: number): CampaignCluster[];
}

/** Union-find with evidence recorded on both ends of every link. */
function createGraph(items: readonly Prepared[]): Graph {
  const n = items.length;
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) parent[i] = i;
  const evidence = new Map<number, MembershipEvidence[]>();
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    let at = i;
    while (parent[at] !== root) {
      const next = parent[at] as number;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const record = (i: number, entry: MembershipEvidence): void => {
    const list = evidence.get(i) ?? [];
    if (list.length >= MAX_EVIDENCE_PER_MEMBER || list.some((e) => e.kind === entry.kind && e.key === entry.key)) return;
    list.push(entry);
    evidence.set(i, list);
  };
  const queueId = (i: number): string => (items[i] as Prepared).message.queueId;
  return {
    link(i, j, kind, key, detail) {
      if (i === j) return;
      record(i, { kind, key, withQueueId: queueId(j), detail: detail(queueId(j)) });
      record(j, { kind, key, withQueueId: queueId(i), detail: detail(queueId(i)) });
      const a = find(i);
      const b = find(j);
      if (a === b) return;
      // Union by size; the smaller index wins ties so the structure does not depend on link order more than needed.
      const [big, small] = (size[a] as number) > (size[b] as number) || ((size[a] as number) === (size[b] as number) && a < b) ? [a, b] : [b, a];
      parent[small] = big;
      size[big] = (size[big] as number) + (size[small] as number);
    },
    find,
    snapshotSizes() {
      return Int32Array.from(size);
    },
    clusters(count, minMembers) {
      const components = new Map<number, number[]>();
      for (let i = 0; i < count; i++) {
        if (!evidence.has(i)) continue;
        const root = find(i);
        const list = components.get(root);
        if (list === undefined) components.set(root, [i]);
        else list.push(i);
      }
      const clusters: CampaignCluster[] = [];
      for (const members of components.values()) {
        const seeds = members.filter((i) => (items[i] as Prepared).suspicious);
        if (seeds.length === 0 || members.length < minMembers) continue;
        clusters.push({
          key: queueId(seeds[0] as number),
          members: members.map((i) => ({ queueId: queueId(i), evidence: [...(evidence.get(i) ?? [])].sort(compareEvidence) })),
        });
      }
      return clusters.sort((a, b) => compare(a.key, b.key));
    },
  };
}

function compareEvidence(a: MembershipEvidence, b: MembershipEvidence): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compare(a.key, b.key) || compare(a.withQueueId, b.withQueueId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
