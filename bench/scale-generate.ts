/**
 * Deterministic synthetic message-log rows for the scale benchmark
 * (`scale-fill.ts`). Same seed and count give the same rows, byte for byte,
 * whatever the batch size: one PRNG stream, consumed message by message.
 *
 * Distributions (chosen to look like a mid-size provider's inbound log):
 * - received_at: spread evenly over `spanDays` (default 365) from a fixed
 *   start, non-decreasing in message order, as a live log is written;
 * - sender domain: Zipf (s = 1) over `senderDomains` (default 50,000);
 * - 1–3 recipients at one of `recipientDomains` (default 200) domains, which
 *   belong to `organizations` (default 4) organizations of unequal size;
 * - subject: 2–7 words from a fixed vocabulary, Zipf-weighted;
 * - 0–3 artifacts, a fifth of them from a pool of "campaign" hashes;
 * - 0–5 URLs over `urlDomains` (default 100,000) Zipf-weighted domains;
 * - 0–4 findings from a fixed symbol table;
 * - client IP: Zipf over `clientIps` (default 200,000) addresses.
 */
import { createQueueId } from '../src/core/index.js';

export interface ScaleOptions {
  readonly seed: number;
  readonly count: number;
  readonly senderDomains: number;
  readonly recipientDomains: number;
  readonly organizations: number;
  readonly urlDomains: number;
  readonly clientIps: number;
  /** First received_at (ms since epoch) and the span the messages cover. */
  readonly startMs: number;
  readonly spanDays: number;
}

export const SCALE_DEFAULTS: ScaleOptions = {
  seed: 20261126,
  count: 5_000_000,
  senderDomains: 50_000,
  recipientDomains: 200,
  organizations: 4,
  urlDomains: 100_000,
  clientIps: 200_000,
  startMs: Date.UTC(2025, 10, 1),
  spanDays: 365,
};

export type MessageRow = {
  queue_id: string;
  organization_id: number;
  node_id: string;
  session_id: string;
  received_at: string;
  mail_from: string;
  sender_domain: string;
  helo: string;
  client_ip: string;
  client_port: number;
  client_rdns: string | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
  size: number;
  sha256: string;
  message_id: string | null;
  subject: string | null;
  header_from: string | null;
  action: string;
  score: number;
  reasons: string;
  policy_version: string;
  auth_spf: string | null;
  auth_dkim: string | null;
  auth_dmarc: string | null;
  auth_arc: string | null;
  proxy_ip: string | null;
  proxy_via: string | null;
  status: string;
  elapsed_ms: number;
  updated_at: string;
};

export type RecipientRow = {
  queue_id: string;
  organization_id: number;
  recipient: string;
  domain: string;
  status: string;
};

export type ArtifactRow = {
  queue_id: string;
  organization_id: number;
  path: string;
  declared_name: string | null;
  declared_type: string;
  detected_type: string | null;
  detected_extension: string | null;
  disposition: string | null;
  size: number;
  sha256: string;
};

export type UrlRow = {
  queue_id: string;
  organization_id: number;
  url: string;
  host_reversed: string;
};

export type FindingRow = {
  queue_id: string;
  organization_id: number;
  engine: string;
  symbol: string;
  score: number;
  severity: string;
  detail: string;
  artifact_path: string | null;
};

/** Rows for a run of consecutive messages, one array per table. */
export interface ScaleBatch {
  readonly messages: MessageRow[];
  readonly recipients: RecipientRow[];
  readonly artifacts: ArtifactRow[];
  readonly urls: UrlRow[];
  readonly findings: FindingRow[];
}

/** Column type for PostgreSQL's `unnest($n::type[])`; SQLite ignores it. */
export type ColumnKind = 'text' | 'int' | 'float8';

/** Insert columns per table, in a fixed order (generated ids are left out). */
export const SCALE_COLUMNS = {
  messages: [
    ['queue_id', 'text'], ['organization_id', 'int'], ['node_id', 'text'], ['session_id', 'text'], ['received_at', 'text'],
    ['mail_from', 'text'], ['sender_domain', 'text'], ['helo', 'text'], ['client_ip', 'text'], ['client_port', 'int'],
    ['client_rdns', 'text'], ['tls_protocol', 'text'], ['tls_cipher', 'text'], ['size', 'int'], ['sha256', 'text'],
    ['message_id', 'text'], ['subject', 'text'], ['header_from', 'text'], ['action', 'text'], ['score', 'float8'],
    ['reasons', 'text'], ['policy_version', 'text'], ['auth_spf', 'text'], ['auth_dkim', 'text'], ['auth_dmarc', 'text'],
    ['auth_arc', 'text'], ['proxy_ip', 'text'], ['proxy_via', 'text'], ['status', 'text'], ['elapsed_ms', 'int'], ['updated_at', 'text'],
  ],
  message_recipients: [['queue_id', 'text'], ['organization_id', 'int'], ['recipient', 'text'], ['domain', 'text'], ['status', 'text']],
  artifacts: [
    ['queue_id', 'text'], ['organization_id', 'int'], ['path', 'text'], ['declared_name', 'text'], ['declared_type', 'text'],
    ['detected_type', 'text'], ['detected_extension', 'text'], ['disposition', 'text'], ['size', 'int'], ['sha256', 'text'],
  ],
  message_urls: [['queue_id', 'text'], ['organization_id', 'int'], ['url', 'text'], ['host_reversed', 'text']],
  findings: [
    ['queue_id', 'text'], ['organization_id', 'int'], ['engine', 'text'], ['symbol', 'text'], ['score', 'float8'],
    ['severity', 'text'], ['detail', 'text'], ['artifact_path', 'text'],
  ],
} as const satisfies Record<string, readonly (readonly [string, ColumnKind])[]>;

export type ScaleTable = keyof typeof SCALE_COLUMNS;

/** mulberry32: tiny, fast, good enough for synthetic data; never for secrets. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples ranks 0..n-1 with P(k) ∝ 1/(k+1)^s by binary search over the cumulative weights. */
export function createZipf(n: number, s: number): (u: number) => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / Math.pow(k + 1, s);
    cdf[k] = total;
  }
  return (u) => {
    const target = u * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? total) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'tor', 'va', 'zen', 'ri', 'su', 'pex', 'dal', 'bro', 'cin', 'fu', 'gar', 'hol', 'jin', 'qua', 'wex', 'yor'];
const TLDS = ['com', 'net', 'org', 'de', 'fr', 'co.uk', 'io', 'info', 'biz', 'ru', 'cn', 'br', 'in', 'nl', 'xyz', 'top'];

function nameOf(k: number, syllables: number): string {
  let out = '';
  let v = k;
  for (let i = 0; i < syllables; i++) {
    out += SYLLABLES[v % SYLLABLES.length] ?? '';
    v = Math.floor(v / SYLLABLES.length);
  }
  return out;
}

/** Sender domain of popularity rank `k` (0 is the most frequent). */
export function senderDomain(k: number): string {
  return `${nameOf(k, 3)}${k.toString(36)}.${TLDS[k % TLDS.length] ?? 'com'}`;
}

/** Registrable URL domain of popularity rank `k`. */
export function urlDomain(k: number): string {
  return `${nameOf(k * 7 + 3, 2)}-${k.toString(36)}.${TLDS[(k * 3) % TLDS.length] ?? 'com'}`;
}

/** Recipient domain `j`; they are spread over the organizations (see `organizationOfDomain`). */
export function recipientDomain(j: number): string {
  return `corp${String(j)}.example`;
}

/** Organization ids start at 1 (the migration's `default`); the first organization holds half the domains. */
export function organizationOfDomain(j: number, domains: number, organizations: number): number {
  if (organizations <= 1) return 1;
  const half = Math.floor(domains / 2);
  if (j < half) return 1;
  return 2 + ((j - half) % (organizations - 1));
}

/** Campaign attachment hash of rank `k` (shared by many messages). */
export function campaignHash(k: number): string {
  return hex64(createRandom(0x5eed0000 + k));
}

/** Client address of rank `k`. */
export function clientIp(k: number): string {
  const h = Math.imul(k + 1, 2654435761) >>> 0;
  return `${String(11 + (h % 200))}.${String((h >>> 8) & 255)}.${String((h >>> 16) & 255)}.${String(1 + (k % 254))}`;
}

const HEX = '0123456789abcdef';

function hex64(random: () => number): string {
  let out = '';
  for (let i = 0; i < 8; i++) {
    const v = Math.floor(random() * 4294967296);
    for (let s = 28; s >= 0; s -= 4) out += HEX[(v >>> s) & 15] ?? '0';
  }
  return out;
}

/** Subject words, most frequent first (the Zipf rank). */
export const SUBJECT_WORDS = [
  're', 'your', 'the', 'for', 'invoice', 'meeting', 'update', 'account', 'order', 'payment', 'new', 'report', 'please', 'request',
  'project', 'review', 'document', 'shipment', 'delivery', 'notice', 'team', 'weekly', 'monthly', 'contract', 'offer', 'password',
  'reset', 'security', 'alert', 'confirm', 'details', 'schedule', 'quarterly', 'budget', 'proposal', 'agenda', 'minutes', 'draft',
  'final', 'urgent', 'reminder', 'approval', 'signed', 'receipt', 'statement', 'transfer', 'wire', 'bank', 'verify', 'login',
  'customer', 'support', 'ticket', 'closed', 'opened', 'pending', 'status', 'renewal', 'subscription', 'license', 'quote',
  'purchase', 'tracking', 'package', 'refund', 'claim', 'policy', 'benefits', 'payroll', 'salary', 'bonus', 'holiday', 'travel',
  'booking', 'flight', 'hotel', 'conference', 'webinar', 'invitation', 'newsletter', 'announcement', 'release', 'version',
  'backup', 'server', 'outage', 'maintenance', 'planned', 'incident', 'resolved', 'feedback', 'survey', 'results', 'training',
  'onboarding', 'welcome', 'introduction', 'partnership', 'vendor', 'supplier', 'audit', 'compliance', 'tax', 'filing', 'deadline',
  'extension', 'voicemail', 'fax', 'scan', 'shared', 'folder', 'file', 'access', 'expired', 'mailbox', 'quota', 'storage',
  'invoice#', 'po', 'rfq', 'catalog', 'pricing', 'discount', 'sale', 'promotion', 'winner', 'prize', 'lottery', 'inheritance',
  'crypto', 'wallet', 'bitcoin', 'investment', 'opportunity', 'loan', 'credit', 'debt', 'insurance', 'claim#', 'medical', 'pharmacy',
] as const;

const ARTIFACT_KINDS = [
  { name: 'invoice.pdf', declared: 'application/pdf', detected: 'application/pdf', ext: 'pdf' },
  { name: 'scan.zip', declared: 'application/zip', detected: 'application/zip', ext: 'zip' },
  { name: 'report.docx', declared: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', detected: 'application/zip', ext: 'docx' },
  { name: 'sheet.xlsx', declared: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', detected: 'application/zip', ext: 'xlsx' },
  { name: 'image001.png', declared: 'image/png', detected: 'image/png', ext: 'png' },
  { name: 'logo.jpg', declared: 'image/jpeg', detected: 'image/jpeg', ext: 'jpg' },
  { name: 'calendar.ics', declared: 'text/calendar', detected: 'text/plain', ext: 'ics' },
  { name: 'archive.tar', declared: 'application/x-tar', detected: 'application/x-tar', ext: 'tar' },
] as const;

const FINDING_KINDS = [
  { engine: 'spf', symbol: 'SPF_PASS', score: -0.1, severity: 'info' },
  { engine: 'dkim', symbol: 'DKIM_VALID', score: -0.1, severity: 'info' },
  { engine: 'dmarc', symbol: 'DMARC_PASS', score: -0.2, severity: 'info' },
  { engine: 'spf', symbol: 'SPF_SOFTFAIL', score: 1.5, severity: 'low' },
  { engine: 'bayes', symbol: 'BAYES_SPAM', score: 3.5, severity: 'medium' },
  { engine: 'bayes', symbol: 'BAYES_HAM', score: -1.9, severity: 'info' },
  { engine: 'urls', symbol: 'URLS_SHORTENER', score: 0.8, severity: 'low' },
  { engine: 'rbl', symbol: 'RBL_SPAMHAUS_ZEN', score: 4, severity: 'high' },
  { engine: 'mime', symbol: 'MIME_HTML_ONLY', score: 0.5, severity: 'low' },
  { engine: 'archive', symbol: 'ARCHIVE_ENCRYPTED', score: 2, severity: 'medium' },
  { engine: 'clamav', symbol: 'CLAMAV_VIRUS', score: 20, severity: 'critical' },
  { engine: 'ioc', symbol: 'IOC_URL_MATCH', score: 15, severity: 'high' },
] as const;

const ACTIONS = [
  { action: 'deliver', status: 'delivered' },
  { action: 'tag', status: 'delivered' },
  { action: 'quarantine', status: 'quarantined' },
  { action: 'reject', status: 'rejected' },
] as const;
/** 85 % deliver, 5 % tag, 6 % quarantine, 4 % reject. */
const ACTION_CUMULATIVE = [0.85, 0.9, 0.96, 1];

const LOCAL_PARTS = ['info', 'noreply', 'billing', 'news', 'sales', 'support', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'hr', 'it', 'ceo', 'accounts'];

/** Picks from cumulative weights `cumulative` (last one 1). */
function pick(random: () => number, cumulative: readonly number[]): number {
  const u = random();
  for (let i = 0; i < cumulative.length; i++) if (u < (cumulative[i] ?? 1)) return i;
  return cumulative.length - 1;
}

const RECIPIENT_COUNTS = [0.7, 0.9, 1];
const ARTIFACT_COUNTS = [0.55, 0.85, 0.95, 1];
const URL_COUNTS = [0.3, 0.55, 0.75, 0.87, 0.95, 1];
const FINDING_COUNTS = [0.1, 0.35, 0.65, 0.9, 1];
const USERS_PER_DOMAIN = 500;
const CAMPAIGN_HASHES = 10_000;

/** A generator: `next(n)` returns the rows of the next `n` messages (fewer at the end). */
export interface ScaleGenerator {
  next(n: number): ScaleBatch;
  /** Messages generated so far. */
  readonly produced: number;
}

/** Creates the row stream for `options` (merged over SCALE_DEFAULTS). */
export function createScaleGenerator(partial: Partial<ScaleOptions> = {}): ScaleGenerator {
  const o: ScaleOptions = { ...SCALE_DEFAULTS, ...partial };
  const random = createRandom(o.seed);
  const senderZipf = createZipf(o.senderDomains, 1);
  const recipientZipf = createZipf(o.recipientDomains, 0.8);
  const userZipf = createZipf(USERS_PER_DOMAIN, 1);
  const urlZipf = createZipf(o.urlDomains, 1);
  const ipZipf = createZipf(o.clientIps, 1);
  const wordZipf = createZipf(SUBJECT_WORDS.length, 0.9);
  const campaignZipf = createZipf(CAMPAIGN_HASHES, 1.1);
  const spanMs = o.spanDays * 86_400_000;
  const randomBytes = Buffer.alloc(10);
  let produced = 0;

  function generateOne(i: number, batch: ScaleBatch): void {
    const receivedMs = o.startMs + Math.floor(((i + random()) * spanMs) / o.count);
    for (let b = 0; b < 10; b++) randomBytes[b] = Math.floor(random() * 256);
    const queueId = createQueueId(receivedMs, randomBytes);
    const receivedAt = new Date(receivedMs).toISOString();
    const senderRank = senderZipf(random());
    const domain = senderDomain(senderRank);
    const mailFrom = `${LOCAL_PARTS[Math.floor(random() * LOCAL_PARTS.length)] ?? 'info'}@${domain}`;
    const rcptDomainIndex = recipientZipf(random());
    const organizationId = organizationOfDomain(rcptDomainIndex, o.recipientDomains, o.organizations);
    const outcome = ACTIONS[pick(random, ACTION_CUMULATIVE)] ?? ACTIONS[0];

    const words: string[] = [];
    const wordCount = 2 + Math.floor(random() * 6);
    for (let w = 0; w < wordCount; w++) words.push(SUBJECT_WORDS[wordZipf(random())] ?? 'hello');
    if (random() < 0.3) words.push(`#${String(Math.floor(random() * 1_000_000))}`);
    const ip = clientIp(ipZipf(random()));
    const tls = random() < 0.8;
    const authed = random() < 0.9;
    batch.messages.push({
      queue_id: queueId,
      organization_id: organizationId,
      node_id: random() < 0.5 ? 'mx1' : 'mx2',
      session_id: queueId.slice(10).toLowerCase(),
      received_at: receivedAt,
      mail_from: mailFrom,
      sender_domain: domain,
      helo: `mail.${domain}`,
      client_ip: ip,
      client_port: 1024 + Math.floor(random() * 64_000),
      client_rdns: random() < 0.7 ? `mail.${domain}` : null,
      tls_protocol: tls ? 'TLSv1.3' : null,
      tls_cipher: tls ? 'TLS_AES_256_GCM_SHA384' : null,
      size: 2000 + Math.floor(random() * random() * 2_000_000),
      sha256: hex64(random),
      message_id: `${queueId.toLowerCase()}.${String(i)}@${domain}`,
      subject: words.join(' '),
      header_from: mailFrom,
      action: outcome.action,
      score: Math.round(random() * 200) / 10,
      reasons: '[]',
      policy_version: 'scale-1',
      auth_spf: authed ? 'pass' : null,
      auth_dkim: authed ? (random() < 0.8 ? 'pass' : 'none') : null,
      auth_dmarc: authed ? 'pass' : null,
      auth_arc: authed ? 'none' : null,
      proxy_ip: null,
      proxy_via: null,
      status: outcome.status,
      elapsed_ms: 5 + Math.floor(random() * 400),
      updated_at: receivedAt,
    });

    const recipientStatus = outcome.status === 'delivered' ? 'delivered' : outcome.status === 'quarantined' ? 'quarantined' : 'rejected';
    const rcptDomain = recipientDomain(rcptDomainIndex);
    const users = new Set<number>();
    const recipients = 1 + pick(random, RECIPIENT_COUNTS);
    for (let r = 0; r < recipients; r++) users.add(userZipf(random()));
    for (const user of users) {
      batch.recipients.push({ queue_id: queueId, organization_id: organizationId, recipient: `user${String(user)}@${rcptDomain}`, domain: rcptDomain, status: recipientStatus });
    }

    const artifacts = pick(random, ARTIFACT_COUNTS);
    for (let a = 0; a < artifacts; a++) {
      const kind = ARTIFACT_KINDS[Math.floor(random() * ARTIFACT_KINDS.length)] ?? ARTIFACT_KINDS[0];
      const sha256 = random() < 0.2 ? campaignHash(campaignZipf(random())) : hex64(random);
      batch.artifacts.push({
        queue_id: queueId,
        organization_id: organizationId,
        path: `1.${String(a + 2)}`,
        declared_name: kind.name,
        declared_type: kind.declared,
        detected_type: kind.detected,
        detected_extension: kind.ext,
        disposition: 'attachment',
        size: 100 + Math.floor(random() * 500_000),
        sha256,
      });
    }

    const urls = pick(random, URL_COUNTS);
    for (let u = 0; u < urls; u++) {
      const registrable = urlDomain(urlZipf(random()));
      const sub = random();
      const host = sub < 0.5 ? registrable : `${sub < 0.75 ? 'www' : sub < 0.9 ? 'mail' : 'login'}.${registrable}`;
      batch.urls.push({
        queue_id: queueId,
        organization_id: organizationId,
        url: `https://${host}/p/${String(u)}/${String(Math.floor(random() * 100_000))}`,
        host_reversed: host.split('.').reverse().join('.'),
      });
    }

    const findings = pick(random, FINDING_COUNTS);
    for (let f = 0; f < findings; f++) {
      const kind = FINDING_KINDS[Math.floor(random() * FINDING_KINDS.length)] ?? FINDING_KINDS[0];
      batch.findings.push({
        queue_id: queueId,
        organization_id: organizationId,
        engine: kind.engine,
        symbol: kind.symbol,
        score: kind.score,
        severity: kind.severity,
        detail: `${kind.symbol.toLowerCase()} for ${domain}`,
        artifact_path: artifacts > 0 && kind.engine === 'clamav' ? '1.2' : null,
      });
    }
  }

  return {
    get produced() {
      return produced;
    },
    next(n: number): ScaleBatch {
      const batch: ScaleBatch = { messages: [], recipients: [], artifacts: [], urls: [], findings: [] };
      const end = Math.min(o.count, produced + n);
      for (let i = produced; i < end; i++) generateOne(i, batch);
      produced = end;
      return batch;
    },
  };
}

/** A batch's rows for `table`, in SCALE_COLUMNS order. */
export function rowsOf(batch: ScaleBatch, table: ScaleTable): readonly Readonly<Record<string, string | number | null>>[] {
  switch (table) {
    case 'messages':
      return batch.messages;
    case 'message_recipients':
      return batch.recipients;
    case 'artifacts':
      return batch.artifacts;
    case 'message_urls':
      return batch.urls;
    case 'findings':
      return batch.findings;
  }
}
