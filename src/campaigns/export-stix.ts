/**
 * STIX 2.1 export of a campaign report: the producer identity, the campaign (attributed to an
 * intrusion set when the report names an actor), one indicator per report indicator with a STIX
 * pattern, `indicates` relationships, the hit organizations as identities (with their countries as
 * locations), and sightings of each indicator per region. Ids are deterministic (UUIDv5-shaped, from
 * SHA-256 of the object's identifying content), so the same report and `now` give the same bundle.
 */
import { createHash } from 'node:crypto';
import { countryInfo } from './regions.js';
import type { CampaignReport, IndicatorType, ReportIndicator } from './report.js';

export interface StixExportOptions {
  /** The export time (RFC 3339 UTC): created/modified of every object. */
  readonly now: string;
  /** Name of the producing identity; default "Moat". */
  readonly identityName?: string;
}

type StixObject = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

// STIX sighting count is bounded by the spec (0..999,999,999).
const MAX_SIGHTING_COUNT = 999_999_999;
// Namespace mixed into every id so Moat's ids never collide with another producer's derived ones.
const ID_NAMESPACE = 'moat:campaign-export:v1';

const PATTERN_OF: Readonly<Record<IndicatorType, string>> = {
  sha256: "file:hashes.'SHA-256'",
  ipv4: 'ipv4-addr:value',
  ipv6: 'ipv6-addr:value',
  domain: 'domain-name:value',
  email: 'email-addr:value',
  subject: 'email-message:subject',
  filename: 'file:name',
};

const LABEL_OF: Readonly<Record<IndicatorType, string>> = {
  sha256: 'attachment SHA-256',
  ipv4: 'sender IPv4 address',
  ipv6: 'sender IPv6 address',
  domain: 'sender or link domain',
  email: 'envelope sender',
  subject: 'lure subject',
  filename: 'attachment name',
};

/** A STIX identifier `<type>--<uuid>` derived from SHA-256 of the content (version nibble 5, RFC 4122 variant). */
export function stixId(type: string, ...content: readonly (string | number)[]): string {
  const hex = createHash('sha256').update([ID_NAMESPACE, type, ...content.map(String)].join('\u0000')).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${type}--${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A STIX pattern comparing one observable with a quoted string (quote and backslash escaped). */
export function stixPattern(type: IndicatorType, value: string): string {
  return `[${PATTERN_OF[type]} = '${value.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'")}']`;
}

/** The report as a STIX 2.1 bundle object (JSON-serialisable). */
export function campaignReportStix(report: CampaignReport, options: StixExportOptions): object {
  const now = timestamp(options.now);
  if (now === undefined) throw new RangeError(`campaignReportStix: now is not a timestamp: ${options.now}`);
  const { campaign } = report;
  const producerName = options.identityName ?? 'Moat';
  const producer: StixObject = { type: 'identity', spec_version: '2.1', id: stixId('identity', 'producer', producerName), created: now, modified: now, name: producerName, identity_class: 'system' };
  const common = { spec_version: '2.1', created: now, modified: now, created_by_ref: producer.id };
  const firstSeen = timestamp(report.timeline.firstSeen);
  const lastSeen = timestamp(report.timeline.lastSeen);
  const campaignObject: StixObject = {
    type: 'campaign',
    ...common,
    id: stixId('campaign', campaign.id),
    name: campaign.name,
    description: `${report.totals.messages} messages to ${report.totals.organizations} organizations in ${report.totals.countries} countries; ${report.totals.blocked} blocked, ${report.totals.delivered} delivered.`,
    ...(firstSeen === undefined ? {} : { first_seen: firstSeen }),
    ...(lastSeen === undefined ? {} : { last_seen: lastSeen }),
    objective: 'unknown',
    x_moat_campaign_id: campaign.id,
  };
  const objects: StixObject[] = [producer, campaignObject];
  const relationships: StixObject[] = [];
  const relate = (source: string, kind: string, target: string): void => {
    relationships.push({ type: 'relationship', ...common, id: stixId('relationship', source, kind, target), relationship_type: kind, source_ref: source, target_ref: target });
  };
  let actorId: string | undefined;
  if (campaign.actor !== undefined && campaign.actor.trim() !== '') {
    actorId = stixId('intrusion-set', campaign.actor.trim());
    objects.push({ type: 'intrusion-set', ...common, id: actorId, name: campaign.actor.trim() });
    relate(campaignObject.id, 'attributed-to', actorId);
  }

  // The hit organizations, and the countries they are in.
  const organizationIds = new Map<number, string>();
  const regionOf = new Map<number, string>();
  const locations = new Map<string, string>();
  for (const org of report.organizations) {
    const id = stixId('identity', 'organization', org.id);
    organizationIds.set(org.id, id);
    regionOf.set(org.id, org.region ?? 'unknown');
    objects.push({
      type: 'identity',
      ...common,
      id,
      name: org.name,
      identity_class: 'organization',
      ...(org.sector === undefined ? {} : { x_moat_sector: org.sector }),
      ...(org.country === undefined ? {} : { x_moat_country: org.country }),
      ...(org.region === undefined ? {} : { x_moat_region: org.region }),
    });
    if (org.country !== undefined) {
      let location = locations.get(org.country);
      if (location === undefined) {
        location = stixId('location', org.country);
        locations.set(org.country, location);
        objects.push({ type: 'location', ...common, id: location, name: countryInfo(org.country)?.name ?? org.country, country: org.country });
      }
      relate(id, 'located-at', location);
    }
  }

  const sightings: StixObject[] = [];
  for (const indicator of report.indicators) {
    const pattern = stixPattern(indicator.type, indicator.value);
    const id = stixId('indicator', campaign.id, pattern);
    const validFrom = timestamp(indicator.firstSeen) ?? firstSeen ?? now;
    objects.push({
      type: 'indicator',
      ...common,
      id,
      name: `${LABEL_OF[indicator.type]} of campaign ${campaign.name}`.slice(0, 300),
      indicator_types: ['malicious-activity'],
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: validFrom,
    });
    relate(id, 'indicates', campaignObject.id);
    if (actorId !== undefined) relate(id, 'indicates', actorId);
    sightings.push(...sightingsOf(indicator, id, organizationIds, regionOf, common, validFrom));
  }
  const all = [...objects, ...relationships, ...sightings];
  return { type: 'bundle', id: stixId('bundle', now, ...all.map((o) => o.id)), objects: all };
}

/** One sighting of an indicator per region (Americas, EMEA, APAC, unknown) of the organizations that saw it. */
function sightingsOf(
  indicator: ReportIndicator,
  indicatorId: string,
  organizationIds: ReadonlyMap<number, string>,
  regionOf: ReadonlyMap<number, string>,
  common: Readonly<Record<string, unknown>>,
  fallback: string,
): StixObject[] {
  const byRegion = new Map<string, { refs: string[]; count: number; first: string; last: string }>();
  for (const s of indicator.sightings) {
    const ref = organizationIds.get(s.organizationId);
    if (ref === undefined) continue;
    const region = regionOf.get(s.organizationId) ?? 'unknown';
    const entry = byRegion.get(region) ?? { refs: [], count: 0, first: '', last: '' };
    entry.refs.push(ref);
    entry.count += s.messages;
    if (s.firstSeen !== '' && (entry.first === '' || s.firstSeen < entry.first)) entry.first = s.firstSeen;
    if (s.lastSeen !== '' && (entry.last === '' || s.lastSeen > entry.last)) entry.last = s.lastSeen;
    byRegion.set(region, entry);
  }
  return [...byRegion.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([region, entry]) => {
      const first = timestamp(entry.first) ?? fallback;
      const last = timestamp(entry.last) ?? first;
      return {
        type: 'sighting',
        ...common,
        id: stixId('sighting', indicatorId, region),
        sighting_of_ref: indicatorId,
        first_seen: first,
        last_seen: last < first ? first : last,
        count: Math.min(entry.count, MAX_SIGHTING_COUNT),
        where_sighted_refs: [...new Set(entry.refs)].sort(),
        x_moat_region: region,
      };
    });
}

/** An RFC 3339 UTC timestamp with milliseconds, or undefined. */
function timestamp(value: string): string | undefined {
  if (value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
