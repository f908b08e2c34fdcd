/**
 * MISP event import: the attributes of MISP events (the JSON the MISP UI and
 * its REST API export) become indicators, with the event's threat level,
 * threat-actor and campaign galaxies. Pure: the caller reads and decodes the
 * file. Every attribute not loaded is reported with its uuid (or counted,
 * for the `to_ids: false` context), never silently dropped; deleted
 * attributes are skipped and counted. Same result shape as the STIX import.
 */
import type { Severity } from '../core/index.js';
import { normaliseValue } from './normalise.js';
import { parseNetwork } from './ip.js';
import type { StixContext, StixProblem, StixResult } from './stix.js';
import type { Indicator, IndicatorType } from './types.js';

export interface MispOptions {
  /** Source of every indicator; default `misp`. */
  readonly source?: string;
  /** Attributes over all events (objects' included); more refuses the whole file. Default 200,000. */
  readonly maxAttributes?: number;
}

/** The STIX result plus what was left out on purpose and is only counted. */
export interface MispResult extends StixResult {
  readonly counts: {
    readonly events: number;
    readonly attributes: number;
    /** `to_ids: false`: context the source does not mean to be matched. */
    readonly contextOnly: number;
    /** `deleted: true`: withdrawn by the source. */
    readonly deleted: number;
  };
}

// One MISP export of a large event collection; a bigger file is split by the operator, not half-read.
const DEFAULT_MAX_ATTRIBUTES = 200_000;
const DEFAULT_SOURCE = 'misp';
const DEFAULT_CONFIDENCE = 80;
// threat_level_id 4 is "undefined"; an event without one is treated the same.
const DEFAULT_SEVERITY: Severity = 'medium';
const MAX_PROBLEMS = 1000;
const MAX_TEXT_CHARS = 1000;
const MAX_NAME_CHARS = 200;
// Tags and galaxy clusters per event or attribute read for attribution: a real event has tens.
const MAX_TAGS = 1000;

const SEVERITY_OF_THREAT_LEVEL: Readonly<Record<string, Severity>> = { '1': 'high', '2': 'medium', '3': 'low', '4': 'medium' };

/** Admiralty scale source reliability (a: reliable … f: cannot be judged) → confidence. Data, see README.md. */
const CONFIDENCE_OF_RELIABILITY: Readonly<Record<string, number>> = { a: 90, b: 75, c: 60, d: 45, e: 30, f: 20 };

/**
 * Attribute type → what it loads. A composite (`a|b`) value is split at its `|`: each side listed loads,
 * `null` drops that side (the port of `ip-dst|port`). Data, see README.md.
 */
const TYPES: Readonly<Record<string, readonly (IndicatorType | 'ip' | null)[]>> = {
  md5: ['md5'],
  sha1: ['sha1'],
  sha256: ['sha256'],
  'filename|md5': ['filename', 'md5'],
  'filename|sha1': ['filename', 'sha1'],
  'filename|sha256': ['filename', 'sha256'],
  filename: ['filename'],
  'email-attachment': ['filename'],
  'ip-src': ['ip'],
  'ip-dst': ['ip'],
  'ip-src|port': ['ip', null],
  'ip-dst|port': ['ip', null],
  domain: ['domain'],
  hostname: ['domain'],
  'domain|ip': ['domain', 'ip'],
  url: ['url'],
  link: ['url'],
  uri: ['url'],
  'email-src': ['email'],
  email: ['email'],
  'email-reply-to': ['email'],
  'email-subject': ['subject'],
};

/** Why some common types are not loaded, for the problem line. */
const NOT_LOADED_WHY: Readonly<Record<string, string>> = {
  'email-dst': 'a recipient (the victim), not an indicator',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);
const arrayOf = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
/** MISP writes booleans as true/false, "1"/"0" or 1/0 depending on version and endpoint. */
const flag = (v: unknown): boolean | undefined => (v === true || v === '1' || v === 1 ? true : v === false || v === '0' || v === 0 ? false : undefined);

/** The events of any of the accepted shapes; undefined when the document is none of them. */
function eventsOf(json: unknown): readonly unknown[] | undefined {
  const unwrap = (item: unknown): unknown => (isRecord(item) && isRecord(item['Event']) ? item['Event'] : item);
  if (Array.isArray(json)) return json.map(unwrap);
  if (!isRecord(json)) return undefined;
  if (isRecord(json['Event'])) return [json['Event']];
  if (Array.isArray(json['response'])) return json['response'].map(unwrap);
  // A bare event: it has attributes or objects, and the info line every MISP event carries.
  if ((Array.isArray(json['Attribute']) || Array.isArray(json['Object'])) && typeof json['info'] === 'string') return [json];
  return undefined;
}

/** `name="value"` of a tag like `misp-galaxy:threat-actor="APT1"`, for the given prefix. */
function tagValue(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(`${prefix}="`) || !tag.endsWith('"')) return undefined;
  const value = tag.slice(prefix.length + 2, -1).trim();
  return value === '' ? undefined : clip(value, MAX_NAME_CHARS);
}

interface Attribution {
  actor?: string;
  campaign?: string;
  malware: string[];
  confidence?: number;
}

/** Reads attribution from `Tag[]` and `Galaxy[].GalaxyCluster[]` of an event or attribute. */
function attributionOf(holder: Record<string, unknown>): Attribution {
  const found: Attribution = { malware: [] };
  const tags = arrayOf(holder['Tag'])
    .slice(0, MAX_TAGS)
    .map((t) => (isRecord(t) && typeof t['name'] === 'string' ? t['name'] : undefined));
  const clusters = arrayOf(holder['Galaxy'])
    .slice(0, MAX_TAGS)
    .flatMap((g) => (isRecord(g) ? arrayOf(g['GalaxyCluster']).slice(0, MAX_TAGS).map((c) => ({ galaxy: g['type'], cluster: c })) : []));
  for (const { galaxy, cluster } of clusters) {
    if (!isRecord(cluster) || typeof cluster['value'] !== 'string' || cluster['value'].trim() === '') continue;
    const name = clip(cluster['value'].trim(), MAX_NAME_CHARS);
    const type = typeof cluster['type'] === 'string' ? cluster['type'] : galaxy;
    if (type === 'threat-actor') found.actor ??= name;
    else if (type === 'campaign') found.campaign ??= name;
    else if (type === 'malpedia' || type === 'mitre-malware') found.malware.push(name);
  }
  for (const tag of tags) {
    if (tag === undefined) continue;
    const actor = tagValue(tag, 'misp-galaxy:threat-actor');
    const campaign = tagValue(tag, 'misp-galaxy:campaign');
    if (actor !== undefined) found.actor ??= actor;
    if (campaign !== undefined) found.campaign ??= campaign;
    const malware = tagValue(tag, 'misp-galaxy:malpedia') ?? tagValue(tag, 'misp-galaxy:mitre-malware');
    if (malware !== undefined) found.malware.push(malware);
    const reliability = tagValue(tag, 'admiralty-scale:source-reliability');
    if (reliability !== undefined && found.confidence === undefined) {
      const c = CONFIDENCE_OF_RELIABILITY[reliability.toLowerCase()];
      if (c !== undefined) found.confidence = c;
    }
  }
  return found;
}

/** An ISO 8601 time or epoch seconds (MISP writes both) in epoch ms; undefined when absent, NaN when unreadable. */
function timeOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,12}$/u.test(value))) {
    const seconds = Number(value);
    return Number.isInteger(seconds) && seconds >= 0 ? seconds * 1000 : Number.NaN;
  }
  // MISP's first_seen carries microseconds ("2023-05-20T10:00:00.000000+00:00"): Date.parse takes them.
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/u.test(value) ? Date.parse(value) : Number.NaN;
}

/** Parses MISP events (already JSON-decoded): `{Event}`, `{response: [{Event}]}`, `[{Event}]` or a bare event. Never throws on bad data. */
export function parseMispEvents(json: unknown, options: MispOptions = {}): MispResult {
  const source = options.source ?? DEFAULT_SOURCE;
  const maxAttributes = options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  const problems: StixProblem[] = [];
  const report = (object: string | undefined, reason: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(object === undefined ? { reason } : { object, reason });
    else if (problems.length === MAX_PROBLEMS) problems.push({ reason: 'too many problems; later ones not reported' });
  };
  const counts = { events: 0, attributes: 0, contextOnly: 0, deleted: 0 };
  const empty: StixContext = { malware: [], threatActors: [], campaigns: [], relationships: 0 };
  const events = eventsOf(json);
  if (events === undefined) {
    return { indicators: [], context: empty, problems: [{ reason: 'not a MISP event: expected {"Event": {...}}, {"response": [{"Event": {...}}]}, [{"Event": {...}}] or an event' }], counts };
  }
  // Counted before any work: a file over the bound is refused whole, not half-read.
  let total = 0;
  for (const event of events) {
    if (!isRecord(event)) continue;
    total += arrayOf(event['Attribute']).length;
    for (const object of arrayOf(event['Object'])) if (isRecord(object)) total += arrayOf(object['Attribute']).length;
  }
  if (total > maxAttributes) {
    return { indicators: [], context: empty, problems: [{ reason: `${String(total)} attributes, more than the limit of ${String(maxAttributes)}; nothing imported (split the export)` }], counts: { ...counts, events: events.length, attributes: total } };
  }

  const indicators: Indicator[] = [];
  const actors = new Set<string>();
  const campaigns = new Set<string>();
  const malware = new Set<string>();
  events.forEach((event, n) => {
    if (!isRecord(event)) return report(undefined, `event ${String(n)} is not an object; skipped`);
    counts.events++;
    const eventId = typeof event['uuid'] === 'string' ? clip(event['uuid'], MAX_NAME_CHARS) : `event ${String(n)}`;
    const info = typeof event['info'] === 'string' ? clip(event['info'].replace(/\s+/gu, ' ').trim(), MAX_NAME_CHARS) : '';
    const level = event['threat_level_id'];
    const severity = SEVERITY_OF_THREAT_LEVEL[typeof level === 'number' ? String(level) : typeof level === 'string' ? level : ''] ?? DEFAULT_SEVERITY;
    const who = attributionOf(event);
    const campaign = who.campaign ?? (info === '' ? undefined : info);
    if (who.actor !== undefined) actors.add(who.actor);
    if (campaign !== undefined) campaigns.add(campaign);
    for (const m of who.malware) malware.add(m);
    const attributes = [...arrayOf(event['Attribute']), ...arrayOf(event['Object']).flatMap((o) => (isRecord(o) ? arrayOf(o['Attribute']) : []))];
    if (attributes.length === 0) report(eventId, 'event has no attributes');
    attributes.forEach((attribute, a) => {
      counts.attributes++;
      if (!isRecord(attribute)) return report(eventId, `attribute ${String(a)} is not an object; skipped`);
      const id = typeof attribute['uuid'] === 'string' && attribute['uuid'] !== '' ? clip(attribute['uuid'], MAX_NAME_CHARS) : `${eventId} attribute ${String(a)}`;
      const { type, value } = attribute;
      // Withdrawn by the source: not an indicator any more, and not a problem of the file.
      if (flag(attribute['deleted']) === true) {
        counts.deleted++;
        return;
      }
      if (typeof type !== 'string' || typeof value !== 'string') return report(id, 'attribute has no type or value; skipped');
      // to_ids false: the source shares it as context (a victim's address, a benign host), not to match on.
      if (flag(attribute['to_ids']) === false) {
        counts.contextOnly++;
        return;
      }
      const targets = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
      if (targets === undefined) {
        const why = NOT_LOADED_WHY[type];
        return report(id, `type ${clip(type, 40)} not supported${why === undefined ? '' : ` (${why})`}; skipped`);
      }
      // The database snapshot is one line per indicator (the API refuses such values too).
      if (/[\r\n]/u.test(value)) return report(id, `value must be one line; not loaded: ${clip(value, 100)}`);
      // A composite value splits at its "|": the last one for a file name (which may hold one), else the first.
      let parts: string[];
      if (targets.length === 1) parts = [value];
      else {
        const bar = type.startsWith('filename|') ? value.lastIndexOf('|') : value.indexOf('|');
        if (bar < 0) return report(id, `${type} value has no "|"; skipped`);
        parts = [value.slice(0, bar), value.slice(bar + 1)];
      }
      const firstSeen = timeOf(attribute['first_seen']) ?? timeOf(attribute['timestamp']);
      const lastSeen = timeOf(attribute['last_seen']) ?? timeOf(attribute['timestamp']);
      if (Number.isNaN(firstSeen) || Number.isNaN(lastSeen)) return report(id, 'first_seen, last_seen or timestamp is not a time; skipped');
      const own = attributionOf(attribute);
      const actor = own.actor ?? who.actor;
      const ownCampaign = own.campaign ?? campaign;
      const comment = typeof attribute['comment'] === 'string' ? attribute['comment'].replace(/\s+/gu, ' ').trim() : '';
      const description = comment !== '' ? comment : info;
      const base = {
        source,
        confidence: own.confidence ?? who.confidence ?? DEFAULT_CONFIDENCE,
        severity,
        ...(firstSeen === undefined ? {} : { firstSeen }),
        ...(lastSeen === undefined ? {} : { lastSeen }),
        ...(description === '' ? {} : { description: clip(description, MAX_TEXT_CHARS) }),
        ...(actor === undefined ? {} : { actor }),
        ...(ownCampaign === undefined ? {} : { campaign: ownCampaign }),
      };
      targets.forEach((target, t) => {
        const raw = (parts[t] ?? '').trim();
        if (target === null) return;
        let kind: IndicatorType;
        if (target === 'ip') {
          const net = parseNetwork(raw);
          if (net === undefined) return report(id, `not an IP address or CIDR; not loaded: ${type} ${clip(raw, 100)}`);
          kind = net.family === 4 ? 'ipv4' : 'ipv6';
        } else kind = target;
        const normal = normaliseValue(kind, raw);
        if (!normal.ok) return report(id, `${normal.reason}; not loaded: ${type} ${clip(raw, 100)}`);
        indicators.push({ ...base, type: kind, value: normal.value });
      });
    });
  });
  // One line for all of them, first: an event may share hundreds, and they are not faults of the file.
  if (counts.contextOnly > 0) problems.unshift({ reason: `${String(counts.contextOnly)} attribute(s) are context only (to_ids false); not loaded` });
  return {
    indicators,
    context: { malware: [...malware], threatActors: [...actors], campaigns: [...campaigns], relationships: 0 },
    problems,
    counts,
  };
}
