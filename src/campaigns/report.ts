/**
 * The campaign report (THREAT.md requirement 12): organizations and recipients hit, their countries and
 * region shares, sender countries, the timeline with its peaks, lures, attachment types, findings,
 * blocked vs delivered, and the indicators the STIX export publishes. Exact counts; pure.
 */
import { DEFAULT_COMMON_DOMAINS } from './cluster.js';
import type { CampaignMessage, EvidenceKind } from './cluster.js';
import { ipFamily, isPublicAddress } from './infrastructure.js';
import { countryInfo, countryName, REGIONS } from './regions.js';
import type { Region } from './regions.js';

export interface CampaignReportInput {
  readonly campaign: { readonly id: number; readonly name: string; readonly actor?: string; readonly createdAt: string };
  /** The members. */
  readonly messages: readonly CampaignMessage[];
  readonly organizations: ReadonlyMap<number, { readonly name: string; readonly country?: string; readonly sector?: string }>;
  /** GeoIP: alpha-2 country of a client address. */
  readonly senderCountry: (ip: string) => string | undefined;
  /** Optional: the evidence kinds that made each member (by queueId) part of the campaign, for the per-message rows. */
  readonly evidence?: ReadonlyMap<string, readonly EvidenceKind[]>;
}

export type IndicatorType = 'sha256' | 'ipv4' | 'ipv6' | 'domain' | 'email' | 'subject' | 'filename';
export type Outcome = 'delivered' | 'blocked' | 'other';

/** Where one indicator was seen: one organization's messages carrying it. */
export interface IndicatorSighting {
  readonly organizationId: number;
  readonly messages: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface ReportIndicator {
  readonly type: IndicatorType;
  readonly value: string;
  readonly messages: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Per organization, by organization id. */
  readonly sightings: readonly IndicatorSighting[];
}

/** One member message, for the CSV and for analysts (at most MAX_REPORT_MESSAGES, oldest first). */
export interface ReportMessage {
  readonly queueId: string;
  readonly receivedAt: string;
  readonly organizationId: number;
  readonly organization: string;
  readonly country?: string;
  readonly region?: Region;
  readonly recipients: readonly string[];
  readonly subject?: string;
  readonly mailFrom: string;
  readonly clientIp: string;
  readonly senderCountry?: string;
  readonly outcome: Outcome;
  readonly action: string;
  readonly status: string;
  readonly findings: readonly string[];
  readonly evidence: readonly EvidenceKind[];
}

export interface CampaignReport {
  readonly campaign: CampaignReportInput['campaign'];
  readonly totals: { readonly messages: number; readonly organizations: number; readonly recipients: number; readonly countries: number; readonly delivered: number; readonly blocked: number };
  readonly organizations: readonly {
    readonly id: number;
    readonly name: string;
    readonly country?: string;
    readonly region?: Region;
    readonly sector?: string;
    readonly messages: number;
    readonly recipients: number;
    readonly delivered: number;
    readonly blocked: number;
    readonly firstSeen: string;
    readonly lastSeen: string;
  }[];
  readonly countries: readonly { readonly country: string; readonly name: string; readonly numeric: string; readonly region: Region; readonly organizations: number; readonly messages: number }[];
  /** share = organizations in the region / organizations with a known country: an exact fraction (0..1). */
  readonly regions: readonly { readonly region: Region; readonly organizations: number; readonly share: number }[];
  readonly unknownCountryOrganizations: number;
  readonly sectors: readonly { readonly sector: string; readonly organizations: number; readonly messages: number }[];
  readonly senderCountries: readonly { readonly country: string; readonly name: string; readonly messages: number }[];
  readonly timeline: {
    readonly firstSeen: string;
    readonly lastSeen: string;
    readonly days: readonly { readonly day: string; readonly messages: number; readonly delivered: number; readonly blocked: number }[];
    readonly peaks: readonly { readonly day: string; readonly messages: number }[];
  };
  readonly lures: readonly { readonly subject: string; readonly messages: number }[];
  readonly attachmentTypes: readonly { readonly type: string; readonly messages: number }[];
  readonly findings: readonly { readonly symbol: string; readonly messages: number }[];
  readonly indicators: readonly ReportIndicator[];
  readonly messages: readonly ReportMessage[];
  /** True when the campaign has more members than `messages` lists. */
  readonly messagesTruncated: boolean;
}

// Days listed zero-filled from first to last; a longer campaign (or bad timestamps) lists active days only.
const MAX_TIMELINE_DAYS = 3660;
// A peak is a day with at least this many messages and twice the median active day...
const MIN_PEAK_MESSAGES = 3;
// ...or, when no day is, the busiest days; at most this many peaks either way.
const FALLBACK_PEAKS = 3;
const MAX_PEAKS = 10;
// Rows per list: a report is read by people and exported; counts stay exact in the totals.
const MAX_LURES = 50;
const MAX_INDICATORS_PER_TYPE = 200;
const MAX_REPORT_MESSAGES = 10_000;
// Values read per message (recipients, attachments, URL domains): more is hostile, and the totals do not need them.
const MAX_VALUES_PER_MESSAGE = 200;
const MAX_SUBJECT_CHARS = 500;
const INDICATOR_ORDER: readonly IndicatorType[] = ['sha256', 'ipv4', 'ipv6', 'domain', 'email', 'subject', 'filename'];
const SHA256 = /^[0-9a-f]{64}$/u;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const COMMON = new Set(DEFAULT_COMMON_DOMAINS);

/** Whether a message reached its recipients: blocked (quarantined, rejected, deferred), delivered, or other. */
export function outcomeOf(message: { readonly action: string; readonly status: string }): Outcome {
  const status = message.status.toLowerCase();
  const action = message.action.toLowerCase();
  if (status === 'quarantined' || status === 'rejected') return 'blocked';
  if (status === 'delivered') return 'delivered';
  if (action === 'reject' || action === 'quarantine' || action === 'defer') return 'blocked';
  if (action === 'deliver' || action === 'tag') return 'delivered';
  return 'other';
}

/** Builds the report of one campaign from its member messages. */
export function buildCampaignReport(input: CampaignReportInput): CampaignReport {
  const messages = [...new Map(input.messages.map((m) => [m.queueId, m])).values()].sort((a, b) => compare(a.receivedAt, b.receivedAt) || compare(a.queueId, b.queueId));
  const orgOf = (id: number): { name: string; country?: string; region?: Region; sector?: string } => {
    const org = input.organizations.get(id);
    const info = org?.country === undefined ? undefined : countryInfo(org.country);
    const sector = org?.sector?.trim();
    return {
      name: org?.name ?? `organization ${id}`,
      ...(info === undefined || org?.country === undefined ? {} : { country: org.country.toUpperCase(), region: info.region }),
      ...(sector === undefined || sector === '' ? {} : { sector }),
    };
  };

  const recipients = new Set<string>();
  let delivered = 0;
  let blocked = 0;
  const orgs = new Map<number, { messages: number; recipients: Set<string>; delivered: number; blocked: number; first: string; last: string }>();
  const days = new Map<string, { messages: number; delivered: number; blocked: number }>();
  const senderCountries = new Map<string, number>();
  const lures = new Map<string, number>();
  const types = new Map<string, number>();
  const symbols = new Map<string, number>();
  const indicators = new Map<string, { type: IndicatorType; value: string; messages: number; first: string; last: string; orgs: Map<number, { messages: number; first: string; last: string }> }>();
  const rows: ReportMessage[] = [];
  let firstSeen = '';
  let lastSeen = '';

  for (const message of messages) {
    const outcome = outcomeOf(message);
    const when = isoOf(message.receivedAt);
    if (outcome === 'delivered') delivered++;
    if (outcome === 'blocked') blocked++;
    const own = new Set(message.recipients.slice(0, MAX_VALUES_PER_MESSAGE).map((r) => r.trim().toLowerCase()).filter((r) => r !== ''));
    for (const r of own) recipients.add(r);
    const org = orgs.get(message.organizationId) ?? { messages: 0, recipients: new Set<string>(), delivered: 0, blocked: 0, first: '', last: '' };
    org.messages++;
    for (const r of own) org.recipients.add(r);
    if (outcome === 'delivered') org.delivered++;
    if (outcome === 'blocked') org.blocked++;
    if (when !== undefined) {
      if (firstSeen === '' || when < firstSeen) firstSeen = when;
      if (lastSeen === '' || when > lastSeen) lastSeen = when;
      if (org.first === '' || when < org.first) org.first = when;
      if (org.last === '' || when > org.last) org.last = when;
      const day = days.get(when.slice(0, 10)) ?? { messages: 0, delivered: 0, blocked: 0 };
      day.messages++;
      if (outcome === 'delivered') day.delivered++;
      if (outcome === 'blocked') day.blocked++;
      days.set(when.slice(0, 10), day);
    }
    orgs.set(message.organizationId, org);
    const senderCountry = input.senderCountry(message.clientIp)?.toUpperCase();
    const knownSender = senderCountry !== undefined && countryName(senderCountry) !== undefined ? senderCountry : undefined;
    if (knownSender !== undefined) bump(senderCountries, knownSender);
    const subject = normaliseSubject(message.subject);
    if (subject !== undefined) bump(lures, subject);
    for (const type of new Set(message.attachments.slice(0, MAX_VALUES_PER_MESSAGE).map(attachmentType))) bump(types, type);
    for (const symbol of new Set(message.findings.map((f) => f.symbol))) bump(symbols, symbol);
    for (const [type, value] of indicatorsOf(message, subject)) {
      const key = `${type}\u0000${value}`;
      const entry = indicators.get(key) ?? { type, value, messages: 0, first: '', last: '', orgs: new Map() };
      entry.messages++;
      const seen = entry.orgs.get(message.organizationId) ?? { messages: 0, first: '', last: '' };
      seen.messages++;
      if (when !== undefined) {
        if (entry.first === '' || when < entry.first) entry.first = when;
        if (entry.last === '' || when > entry.last) entry.last = when;
        if (seen.first === '' || when < seen.first) seen.first = when;
        if (seen.last === '' || when > seen.last) seen.last = when;
      }
      entry.orgs.set(message.organizationId, seen);
      indicators.set(key, entry);
    }
    if (rows.length < MAX_REPORT_MESSAGES) {
      const o = orgOf(message.organizationId);
      rows.push({
        queueId: message.queueId,
        receivedAt: when ?? message.receivedAt,
        organizationId: message.organizationId,
        organization: o.name,
        ...(o.country === undefined ? {} : { country: o.country }),
        ...(o.region === undefined ? {} : { region: o.region }),
        recipients: [...own].sort(),
        ...(subject === undefined ? {} : { subject }),
        mailFrom: message.mailFrom,
        clientIp: message.clientIp,
        ...(knownSender === undefined ? {} : { senderCountry: knownSender }),
        outcome,
        action: message.action,
        status: message.status,
        findings: [...new Set(message.findings.map((f) => f.symbol))].sort(),
        evidence: [...new Set(input.evidence?.get(message.queueId) ?? [])],
      });
    }
  }

  const organizations = [...orgs.entries()]
    .map(([id, o]) => {
      const info = orgOf(id);
      return { id, ...info, messages: o.messages, recipients: o.recipients.size, delivered: o.delivered, blocked: o.blocked, firstSeen: o.first, lastSeen: o.last };
    })
    .sort((a, b) => b.messages - a.messages || a.id - b.id);

  const countries = new Map<string, { organizations: number; messages: number }>();
  const regionCounts = new Map<Region, number>();
  const sectors = new Map<string, { organizations: number; messages: number }>();
  let unknown = 0;
  for (const org of organizations) {
    if (org.sector !== undefined) {
      const s = sectors.get(org.sector) ?? { organizations: 0, messages: 0 };
      s.organizations++;
      s.messages += org.messages;
      sectors.set(org.sector, s);
    }
    if (org.country === undefined || org.region === undefined) {
      unknown++;
      continue;
    }
    const c = countries.get(org.country) ?? { organizations: 0, messages: 0 };
    c.organizations++;
    c.messages += org.messages;
    countries.set(org.country, c);
    regionCounts.set(org.region, (regionCounts.get(org.region) ?? 0) + 1);
  }
  const known = organizations.length - unknown;
  const timeline = { firstSeen, lastSeen, ...buildTimeline(days) };

  return {
    campaign: input.campaign,
    totals: { messages: messages.length, organizations: organizations.length, recipients: recipients.size, countries: countries.size, delivered, blocked },
    organizations,
    countries: [...countries.entries()]
      .map(([country, c]) => {
        const info = countryInfo(country) as NonNullable<ReturnType<typeof countryInfo>>;
        return { country, name: info.name, numeric: info.numeric, region: info.region, organizations: c.organizations, messages: c.messages };
      })
      .sort((a, b) => b.organizations - a.organizations || b.messages - a.messages || compare(a.country, b.country)),
    regions: REGIONS.map((region) => {
      const count = regionCounts.get(region) ?? 0;
      return { region, organizations: count, share: known === 0 ? 0 : count / known };
    }),
    unknownCountryOrganizations: unknown,
    sectors: [...sectors.entries()].map(([sector, s]) => ({ sector, ...s })).sort((a, b) => b.organizations - a.organizations || compare(a.sector, b.sector)),
    senderCountries: [...senderCountries.entries()]
      .map(([country, count]) => ({ country, name: countryName(country) ?? country, messages: count }))
      .sort((a, b) => b.messages - a.messages || compare(a.country, b.country)),
    timeline,
    lures: ranked(lures, MAX_LURES).map(([subject, count]) => ({ subject, messages: count })),
    attachmentTypes: ranked(types).map(([type, count]) => ({ type, messages: count })),
    findings: ranked(symbols).map(([symbol, count]) => ({ symbol, messages: count })),
    indicators: rankIndicators([...indicators.values()]),
    messages: rows,
    messagesTruncated: messages.length > rows.length,
  };
}

function buildTimeline(days: ReadonlyMap<string, { messages: number; delivered: number; blocked: number }>): Pick<CampaignReport['timeline'], 'days' | 'peaks'> {
  const active = [...days.keys()].sort();
  const first = active[0];
  const last = active[active.length - 1];
  if (first === undefined || last === undefined) return { days: [], peaks: [] };
  const span = (Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000 + 1;
  const listed: string[] = [];
  if (span <= MAX_TIMELINE_DAYS) {
    for (let t = Date.parse(`${first}T00:00:00Z`); listed.length < span; t += 86_400_000) listed.push(new Date(t).toISOString().slice(0, 10));
  } else listed.push(...active);
  const list = listed.map((day) => ({ day, ...(days.get(day) ?? { messages: 0, delivered: 0, blocked: 0 }) }));
  const counts = active.map((day) => days.get(day)?.messages ?? 0).sort((a, b) => a - b);
  const middle = counts.length / 2;
  const median = counts.length % 2 === 1 ? (counts[Math.floor(middle)] ?? 0) : ((counts[middle - 1] ?? 0) + (counts[middle] ?? 0)) / 2;
  const threshold = Math.max(MIN_PEAK_MESSAGES, 2 * median);
  const byCount = active.map((day) => ({ day, messages: days.get(day)?.messages ?? 0 })).sort((a, b) => b.messages - a.messages || compare(a.day, b.day));
  const over = byCount.filter((d) => d.messages >= threshold);
  const peaks = (over.length > 0 ? over.slice(0, MAX_PEAKS) : byCount.slice(0, FALLBACK_PEAKS)).sort((a, b) => compare(a.day, b.day));
  return { days: list, peaks };
}

function indicatorsOf(message: CampaignMessage, subject: string | undefined): [IndicatorType, string][] {
  const out = new Set<string>();
  const add = (type: IndicatorType, value: string): void => {
    if (value !== '') out.add(`${type}\u0000${value}`);
  };
  for (const a of message.attachments.slice(0, MAX_VALUES_PER_MESSAGE)) {
    const sha = a.sha256.toLowerCase();
    if (SHA256.test(sha) && sha !== EMPTY_SHA256) add('sha256', sha);
    if (a.name !== undefined) add('filename', a.name.trim().slice(0, MAX_SUBJECT_CHARS));
  }
  // Only public addresses: a private one is our own relay, not the sender's infrastructure.
  const ip = message.clientIp.trim().toLowerCase();
  const family = ipFamily(ip);
  if (family !== undefined && isPublicAddress(ip)) add(family, ip);
  for (const domain of [message.senderDomain, ...message.urlDomains.slice(0, MAX_VALUES_PER_MESSAGE)]) {
    const d = domain.trim().toLowerCase();
    if (d !== '' && !COMMON.has(d)) add('domain', d);
  }
  const from = message.mailFrom.trim().toLowerCase();
  const at = from.lastIndexOf('@');
  if (at > 0 && at < from.length - 1) add('email', from);
  if (subject !== undefined) add('subject', subject);
  return [...out].map((key) => {
    const split = key.indexOf('\u0000');
    return [key.slice(0, split) as IndicatorType, key.slice(split + 1)];
  });
}

function rankIndicators(list: readonly { type: IndicatorType; value: string; messages: number; first: string; last: string; orgs: ReadonlyMap<number, { messages: number; first: string; last: string }> }[]): ReportIndicator[] {
  const out: ReportIndicator[] = [];
  for (const type of INDICATOR_ORDER) {
    const ofType = list.filter((i) => i.type === type).sort((a, b) => b.messages - a.messages || compare(a.value, b.value));
    for (const i of ofType.slice(0, MAX_INDICATORS_PER_TYPE)) {
      const sightings = [...i.orgs.entries()].map(([organizationId, s]) => ({ organizationId, messages: s.messages, firstSeen: s.first, lastSeen: s.last })).sort((a, b) => a.organizationId - b.organizationId);
      out.push({ type, value: i.value, messages: i.messages, firstSeen: i.first, lastSeen: i.last, sightings });
    }
  }
  return out;
}

function attachmentType(attachment: CampaignMessage['attachments'][number]): string {
  const type = attachment.type?.trim().toLowerCase();
  if (type !== undefined && type !== '') return type;
  const ext = /\.([a-z0-9]{1,10})$/iu.exec(attachment.name?.trim() ?? '')?.[1];
  return ext === undefined ? 'unknown' : ext.toLowerCase();
}

/** Whitespace collapsed and trimmed; undefined when empty. */
function normaliseSubject(subject: string | undefined): string | undefined {
  const s = subject?.replace(/\s+/gu, ' ').trim().slice(0, MAX_SUBJECT_CHARS);
  return s === undefined || s === '' ? undefined : s;
}

/** An ISO 8601 UTC instant, or undefined when the input is not a time. */
function isoOf(value: string): string | undefined {
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function ranked(map: ReadonlyMap<string, number>, max = Number.POSITIVE_INFINITY): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || compare(a[0], b[0])).slice(0, max);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
